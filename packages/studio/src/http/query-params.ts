import type { Context } from "hono";
import { isUuid } from "../store/run-fields.ts";
import { StudioHttpError } from "./studio-http-error.ts";

/** `offset` and `limit` of a list request: non-negative integers, `limit` at most `max` (default 100). */
export function pageParams(c: Context, max = 100): { offset: number; limit: number } {
  return {
    offset: intParam(c, "offset", 0, 0, Number.MAX_SAFE_INTEGER),
    limit: intParam(c, "limit", 100, 1, max),
  };
}

/** All values of a repeated query parameter that must be UUIDs (`?run=a&run=b`). */
export function uuidParams(c: Context, name: string): string[] | undefined {
  const values = c.req.queries(name);
  if (values === undefined || values.length === 0) return undefined;
  for (const value of values) {
    if (!isUuid(value)) {
      throw new StudioHttpError(
        422,
        `Query parameter "${name}" must be a UUID (got ${JSON.stringify(value)}).`,
      );
    }
  }
  return values.map((v) => v.toLowerCase());
}

/** A path parameter that must be a UUID; anything else is a 404, as for an unknown id. */
export function uuidPathParam(c: Context, name: string, what: string): string {
  const value = c.req.param(name) ?? "";
  if (!isUuid(value))
    throw new StudioHttpError(404, `${what} ${JSON.stringify(value)} not found: ids are UUIDs.`);
  return value.toLowerCase();
}

function intParam(c: Context, name: string, fallback: number, min: number, max: number): number {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new StudioHttpError(
      422,
      `Query parameter "${name}" must be an integer ≥ ${min} (got ${JSON.stringify(raw)}).`,
    );
  }
  return Math.min(value, max);
}
