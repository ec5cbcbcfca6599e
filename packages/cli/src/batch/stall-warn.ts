import { CliError } from "../cli-error.ts";

/**
 * `--stall-warn <seconds>` in milliseconds: how long a queued batch may go without any item
 * finishing before `catena batch --queue` warns (0: never). Refuses anything but a number of
 * seconds, 0 or more.
 *
 * @example
 * stallWarnMs("120") // 120000
 */
export function stallWarnMs(text: string): number {
  const seconds = Number(text);
  if (text.trim() === "" || !Number.isFinite(seconds) || seconds < 0) {
    throw new CliError(
      `--stall-warn must be a number of seconds (0 turns the warning off), got ${JSON.stringify(text)}.`,
    );
  }
  return Math.round(seconds * 1000);
}
