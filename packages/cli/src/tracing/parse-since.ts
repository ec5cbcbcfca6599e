import { CliError } from "../cli-error.ts";

const UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/**
 * Reads `--since`: a span back from now (`90s`, `30m`, `1h`, `7d`, `2w`) or a date (`2026-05-01`,
 * `2026-05-01T12:00:00Z`).
 *
 * @example
 * parseSince("1h") // one hour ago
 */
export function parseSince(text: string, now: number = Date.now(), option = "--since"): Date {
  const span = /^(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)$/i.exec(text.trim());
  // A span longer than the epoch means "from the start": backends refuse times before 1970.
  if (span) return new Date(Math.max(0, now - Number(span[1]) * (UNITS[(span[2] ?? "").toLowerCase()] ?? 0)));
  const date = Date.parse(text);
  const day = /^(\d{4}-\d\d-\d\d)/.exec(text.trim())?.[1];
  // Date.parse rolls 2026-02-30 into March; a day that does not exist is a typo.
  const midnight = day === undefined ? Number.NaN : Date.parse(`${day}T00:00:00Z`);
  const exists = Number.isFinite(midnight) && new Date(midnight).toISOString().startsWith(day ?? "");
  if (Number.isFinite(date) && exists) return new Date(date);
  throw new CliError(
    `${option} must be a span such as 30m, 1h, 7d, 2w or a date such as 2026-05-01 (got "${text}").`,
  );
}
