import type { Context } from "hono";
import { isUuid } from "../store/run-fields.ts";
import { StudioHttpError } from "./studio-http-error.ts";

/** The largest page an offset-paged list serves. */
export const MAX_OFFSET_PAGE = 1000;

/**
 * `offset` and `limit` of a list request: non-negative integers, `limit` 100 by default. A page
 * holds all that `limit` asks for, up to {@link MAX_OFFSET_PAGE}; a larger limit is a 422. The SDK
 * reads a page shorter than its `limit` as the last one, so serving fewer than asked (say 100 of
 * `listExamples({ limit: 110 })`) would end its listing early without a word.
 */
export function pageParams(c: Context): { offset: number; limit: number } {
  const limit = intParam(c, "limit", 100, 1, Number.MAX_SAFE_INTEGER);
  if (limit > MAX_OFFSET_PAGE) {
    throw new StudioHttpError(
      422,
      `Query parameter "limit" must be at most ${MAX_OFFSET_PAGE} (got ${limit}): page with "offset" for more.`,
    );
  }
  return { offset: intParam(c, "offset", 0, 0, Number.MAX_SAFE_INTEGER), limit };
}

/**
 * All values of a repeated query parameter that must be UUIDs (`?run=a&run=b`). A value may also
 * hold several, comma-separated (`?run=a,b`): how SDKs before 0.3 send `listFeedback({ runIds })`.
 */
export function uuidParams(c: Context, name: string): string[] | undefined {
  const values = c.req.queries(name)?.flatMap((value) => value.split(","));
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
