import { StudioHttpError } from "../http/studio-http-error.ts";

const isoPattern = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Normalises a timestamp to the one form the studio stores and sorts on: UTC ISO 8601 with
 * microseconds (`2026-11-27T23:08:58.602001Z`), so that string order is time order. Accepts epoch
 * milliseconds (RunTree sends `end_time` that way), ISO strings with or without a zone (no zone means
 * UTC, as in LangSmith) and `Date`s; `null`/`undefined` give `null`.
 *
 * @example
 * toStudioTimestamp(1795820938635); // "2026-11-27T23:08:58.635000Z"
 */
export function toStudioTimestamp(value: unknown, field = "timestamp"): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return fromMillis(value.getTime(), 0, field);
  if (typeof value === "number") return fromMillis(value, 0, field);
  if (typeof value === "string") {
    const match = isoPattern.exec(value.trim());
    if (match === null) {
      const millis = Date.parse(value);
      if (Number.isNaN(millis)) throw invalid(field, value);
      return fromMillis(millis, 0, field);
    }
    const [, date, time, fraction = "", zone = "Z"] = match;
    const seconds = time!.length === 5 ? `${time}:00` : time!;
    const micros = fraction.padEnd(6, "0").slice(0, 6);
    if (zone.toUpperCase() === "Z") {
      if (Number.isNaN(Date.parse(`${date}T${seconds}Z`))) throw invalid(field, value);
      return `${date}T${seconds}.${micros}Z`;
    }
    const millis = Date.parse(`${date}T${seconds}.${micros.slice(0, 3)}${zone}`);
    if (Number.isNaN(millis)) throw invalid(field, value);
    return fromMillis(millis, Number(micros.slice(3)), field);
  }
  throw invalid(field, value);
}

/** The current time in the studio's timestamp form. */
export function studioNow(): string {
  return fromMillis(Date.now(), 0, "now");
}

function fromMillis(millis: number, extraMicros: number, field: string): string {
  const date = new Date(millis);
  if (Number.isNaN(date.getTime())) throw invalid(field, millis);
  const iso = date.toISOString();
  if (iso.length !== 24) throw invalid(field, millis);
  return `${iso.slice(0, 23)}${String(extraMicros).padStart(3, "0")}Z`;
}

function invalid(field: string, value: unknown): StudioHttpError {
  return new StudioHttpError(
    422,
    `${field} ${JSON.stringify(value)} is not a timestamp: send an ISO 8601 string (e.g. 2026-01-31T12:00:00.000000Z) or epoch milliseconds.`,
    { field, value },
  );
}
