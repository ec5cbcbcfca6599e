import type { MiddlewareHandler } from "hono";
import { hostNameOf } from "./host-guard.ts";
import { StudioHttpError } from "./studio-http-error.ts";

/** How {@link originGuard} tells the routes any web page may call from those it must not. */
export interface OriginGuardOptions {
  /** True for paths that any origin may call (the presigned feedback-token URLs, as in LangSmith). */
  isPublicPath(path: string): boolean;
}

/**
 * Middleware that refuses (403) what a web page on another origin sends to the studio. Without it,
 * any page the user opens could write traces: `text/plain`, `multipart/form-data` and form posts are
 * CORS-"simple", so the browser sends them without asking the studio first.
 *
 * - A request with an `Origin` is answered only when that origin is the studio's own (its host is
 *   the request's `Host`, which the host guard checked); `Origin: null` (sandboxed frames, `file:`
 *   pages) is refused.
 * - A request a browser marks `Sec-Fetch-Site: cross-site` or `same-site` (another port of
 *   127.0.0.1 is the same site) is refused, except a top-level `GET` navigation: following a link to
 *   the studio reads nothing into the other page and writes nothing.
 * - A write whose `Referer` is another origin is refused (old browsers send no `Origin`).
 *
 * Programs (the langsmith SDK, curl) send none of these headers and are not affected; the API key,
 * when set, is what guards against them.
 */
export function originGuard(options: OriginGuardOptions): MiddlewareHandler {
  return async (c, next) => {
    if (options.isPublicPath(c.req.path)) return next();
    const host = c.req.header("host") ?? "";
    const origin = c.req.header("origin");
    if (origin !== undefined) {
      if (!sameHost(origin, host)) throw refused(`Origin ${JSON.stringify(origin)}`);
      return next();
    }
    const method = c.req.method;
    const site = c.req.header("sec-fetch-site");
    if (site === "cross-site" || site === "same-site") {
      const navigation =
        (method === "GET" || method === "HEAD") && c.req.header("sec-fetch-mode") === "navigate";
      if (!navigation) throw refused(`Sec-Fetch-Site: ${site}`);
      return next();
    }
    const referer = c.req.header("referer");
    if (referer !== undefined && method !== "GET" && method !== "HEAD" && !sameHost(referer, host)) {
      throw refused(`Referer ${JSON.stringify(referer)}`);
    }
    return next();
  };
}

// Same host and port as the request's Host header; http or https (behind a TLS proxy).
function sameHost(url: string, hostHeader: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return false;
  let expected: URL;
  try {
    expected = new URL(`${parsed.protocol}//${hostHeader}`);
  } catch {
    return false;
  }
  return (
    hostNameOf(parsed.host) !== undefined &&
    parsed.hostname === expected.hostname &&
    parsed.port === expected.port
  );
}

function refused(what: string): StudioHttpError {
  return new StudioHttpError(
    403,
    `Refused a request from a web page on another origin (${what}): only the studio's own pages and programs such as the langsmith SDK (which send no Origin) may call it. ` +
      "Presigned feedback URLs (/feedback/tokens/<token>) are the exception: any page may post to them.",
  );
}
