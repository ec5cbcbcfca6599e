import { CliError } from "../cli-error.ts";

/**
 * Parses `--stop-after-failures <n|never>`: how many items in a row may fail with the same
 * systemic provider failure (bad key, no quota, unknown model) before the batch stops; `never`
 * (or `off`) turns the stop off.
 *
 * @example
 * parseStopAfterFailures("5") // 5
 * parseStopAfterFailures("never") // false
 */
export function parseStopAfterFailures(text: string): number | false {
  const given = text.trim().toLowerCase();
  if (given === "never" || given === "off") return false;
  const n = Number(given);
  if (!/^\d+$/.test(given) || !Number.isSafeInteger(n) || n < 1) {
    throw new CliError(
      `--stop-after-failures must be a whole number >= 1, or never to keep going whatever fails, got ${JSON.stringify(text)}.`,
    );
  }
  return n;
}
