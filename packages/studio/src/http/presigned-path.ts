import { createHmac, timingSafeEqual } from "node:crypto";
import { StudioHttpError } from "./studio-http-error.ts";

/** How long a presigned attachment URL works: long enough for an evaluation run that reads it. */
export const PRESIGNED_URL_TTL_MS = 60 * 60 * 1000;

/**
 * Signs a path for key-less access until `now + ttlMs`: `path?expires=<epoch s>&signature=<hex>`,
 * an HMAC-SHA256 of the path and the expiry under the studio's own key (kept in its database).
 * The URL stays relative, so it is never built from a request's Host header; the SDK resolves it
 * against its `apiUrl`.
 */
export function presignPath(
  key: string,
  path: string,
  now = Date.now(),
  ttlMs = PRESIGNED_URL_TTL_MS,
): string {
  const expires = Math.floor((now + ttlMs) / 1000);
  return `${path}?expires=${expires}&signature=${sign(key, path, expires)}`;
}

/** Whether a request carries a presigned URL's parameters (checked by {@link checkPresigned}). */
export function isPresigned(url: URL): boolean {
  return url.searchParams.has("signature");
}

/**
 * Checks the `expires` and `signature` of a presigned request for `path` (without any `/api/v1`
 * prefix): a forged or altered URL is a 403, an expired one a 410.
 */
export function checkPresigned(key: string, path: string, url: URL, now = Date.now()): void {
  const expires = Number(url.searchParams.get("expires"));
  const given = Buffer.from(url.searchParams.get("signature") ?? "", "hex");
  const expected = Buffer.from(sign(key, path, expires), "hex");
  if (!Number.isInteger(expires) || given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new StudioHttpError(
      403,
      "This attachment URL is not one the studio signed (altered or truncated): read the example again for a fresh presigned_url.",
    );
  }
  if (expires * 1000 < now) {
    throw new StudioHttpError(
      410,
      `This attachment URL expired at ${new Date(expires * 1000).toISOString()}: read the example again (readExample / listExamples) for a fresh presigned_url.`,
    );
  }
}

function sign(key: string, path: string, expires: number): string {
  return createHmac("sha256", key).update(`${path}\n${expires}`).digest("hex");
}
