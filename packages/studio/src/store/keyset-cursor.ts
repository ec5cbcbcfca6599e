import { StudioHttpError } from "../http/studio-http-error.ts";

/**
 * The opaque cursor of a keyset page: the sort key (a time) and the id of the last row, so the
 * next page seeks past it instead of counting rows from the top.
 */
export function encodeKeysetCursor(time: string, id: string): string {
  return Buffer.from(JSON.stringify([time, id])).toString("base64url");
}

/**
 * The `[time, id]` a cursor from {@link encodeKeysetCursor} holds; anything else is a 422 that says
 * to pass the cursor back as it came (`field` names where it came from, e.g. `"next"`).
 */
export function decodeKeysetCursor(cursor: string, field: string): [string, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value) && typeof value[0] === "string" && typeof value[1] === "string") {
      return [value[0], value[1]];
    }
  } catch {
    // falls through to the error below
  }
  throw new StudioHttpError(
    422,
    `"cursor" ${JSON.stringify(cursor)} is not a cursor of this studio: pass back ${field} as it came.`,
  );
}
