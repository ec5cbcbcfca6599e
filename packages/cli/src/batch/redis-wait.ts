import { CliError } from "../cli-error.ts";

/**
 * `--redis-wait <seconds>` in milliseconds: how long a queue that was reached may wait for a lost
 * Redis before it gives up. Refuses anything but a positive number of seconds.
 *
 * @example
 * redisWaitMs("60") // 60000
 */
export function redisWaitMs(text: string): number {
  const seconds = Number(text);
  if (text.trim() === "" || !Number.isFinite(seconds) || seconds <= 0) {
    throw new CliError(`--redis-wait must be a positive number of seconds, got ${JSON.stringify(text)}.`);
  }
  return Math.round(seconds * 1000);
}
