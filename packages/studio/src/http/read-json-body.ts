import type { Context } from "hono";
import { StudioHttpError } from "./studio-http-error.ts";

/**
 * The request body parsed as JSON: an empty body or invalid JSON is a 400 that says so, with the
 * parser's message (position) to find the fault.
 */
export async function readJsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") {
    throw new StudioHttpError(
      400,
      `${c.req.method} ${c.req.path} needs a JSON body (Content-Type: application/json).`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new StudioHttpError(
      400,
      `The body of ${c.req.method} ${c.req.path} is not valid JSON (${(error as Error).message}): send application/json.`,
    );
  }
}
