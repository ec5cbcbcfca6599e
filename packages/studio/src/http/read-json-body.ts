import type { Context } from "hono";
import { assertJsonDepth, MAX_JSON_DEPTH } from "./json-depth.ts";
import { parseJsonText } from "./parse-json-text.ts";
import { StudioHttpError } from "./studio-http-error.ts";

/** How {@link readJsonBody} checks a body. */
export interface ReadJsonBodyOptions {
  /**
   * Check the whole body against {@link MAX_JSON_DEPTH} (plus 1 for the body object). Run routes
   * turn it off: they check each run's fields, so that one deep run does not refuse the others.
   */
  checkDepth?: boolean;
  /**
   * Take JSON sent with any content type. Only for the public feedback-token URL, which any page
   * may call anyway (the token is the credential), so that `fetch(url, { method: "POST", body })`
   * from an app works without a CORS preflight.
   */
  anyContentType?: boolean;
}

/**
 * The request body parsed as JSON. A content type other than `application/json` is a 415 (a web
 * page can send `text/plain` to any site without asking, but not `application/json`); an empty
 * body or invalid JSON is a 400 that says so, with the parser's message (position) to find the fault.
 */
export async function readJsonBody(c: Context, options: ReadJsonBodyOptions = {}): Promise<unknown> {
  const type = c.req.header("content-type");
  const media = type?.split(";")[0]?.trim().toLowerCase();
  const json = media === "application/json" || (media?.startsWith("application/") && media.endsWith("+json"));
  if (!json && options.anyContentType !== true) {
    throw new StudioHttpError(
      415,
      `${c.req.method} ${c.req.path} takes a JSON body with Content-Type: application/json (got ${type === undefined ? "no Content-Type" : JSON.stringify(type)}).`,
    );
  }
  const text = await c.req.text();
  if (text.trim() === "") {
    throw new StudioHttpError(
      400,
      `${c.req.method} ${c.req.path} needs a JSON body (Content-Type: application/json).`,
    );
  }
  let body: unknown;
  try {
    body = parseJsonText(text);
  } catch (error) {
    throw new StudioHttpError(
      400,
      `The body of ${c.req.method} ${c.req.path} is not valid JSON (${(error as Error).message}): send application/json.`,
    );
  }
  if (options.checkDepth !== false) {
    assertJsonDepth(body, `The body of ${c.req.method} ${c.req.path}`, MAX_JSON_DEPTH + 1);
  }
  return body;
}
