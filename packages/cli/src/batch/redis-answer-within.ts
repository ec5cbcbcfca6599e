import { CliError } from "../cli-error.ts";

/**
 * `--redis-answer-within <seconds>` in milliseconds: how long a connected Redis may leave a PING
 * unanswered before it counts as away (a frozen server, one slow command, a half-open socket), the
 * queue's `answerWithinMs`. At least 1 s: Redis is checked once a second, so a shorter deadline
 * would not be kept, and would count every pause of Redis's own (a save, a slow command) as an outage.
 *
 * @example
 * redisAnswerWithinMs("5") // 5000
 */
export function redisAnswerWithinMs(text: string): number {
  const seconds = Number(text);
  if (text.trim() === "" || !Number.isFinite(seconds) || seconds < 1) {
    throw new CliError(
      `--redis-answer-within must be a number of seconds, 1 or more (how long a PING to a connected Redis may go unanswered before it counts as away), got ${JSON.stringify(text)}.`,
    );
  }
  return Math.round(seconds * 1000);
}
