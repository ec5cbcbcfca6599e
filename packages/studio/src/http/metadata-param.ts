import type { Context } from "hono";
import { assertJsonDepth } from "./json-depth.ts";
import { StudioHttpError } from "./studio-http-error.ts";

/** The `metadata` query parameter as a JSON object, `undefined` when absent; anything else is a 422. */
export function metadataParam(c: Context): Record<string, unknown> | undefined {
  const raw = c.req.query("metadata");
  if (raw === undefined || raw === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new StudioHttpError(422, `Query parameter "metadata" must be a JSON object, e.g. {"env":"prod"}.`);
  }
  assertJsonDepth(parsed, 'Query parameter "metadata"');
  return parsed as Record<string, unknown>;
}
