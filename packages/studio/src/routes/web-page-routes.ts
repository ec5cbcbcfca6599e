import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Context, Hono } from "hono";
import { StudioHttpError } from "../http/studio-http-error.ts";

/**
 * The page's Content-Security-Policy: scripts, styles and requests only from the studio's own
 * origin (no inline script, no CDN), nothing may frame it, and forms post only to the studio.
 */
export const WEB_PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The headers every file of the page is served with. */
const PAGE_HEADERS = {
  "content-security-policy": WEB_PAGE_CSP,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
} as const;

/**
 * Paths that answer with the page's HTML: `/`, the LangSmith web-app shapes the SDK builds
 * (`/o/{tenant}/projects/p/{id}/r/{run}`, `/o/{tenant}/datasets/{id}/compare?...`) and the
 * shared-run links (`/public/{token}/r`). The HTML holds no data (the page asks the API for it,
 * with the key), so these and `/assets/*` need no API key.
 */
export function isWebPagePath(path: string): boolean {
  return (
    path === "/" ||
    path === "/index.html" ||
    path.startsWith("/o/") ||
    path.startsWith("/assets/") ||
    /^\/public\/[^/]+\/[rd]$/.test(path)
  );
}

interface PageFile {
  type: string;
  body: Uint8Array;
}

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".svg": "image/svg+xml",
};

/**
 * Where the built page is: `dist/web/` beside the built routes, or, when the studio runs from
 * its TypeScript sources (tests), the package's `dist/web/`.
 */
function pageDirectory(): string | undefined {
  for (const candidate of ["../web/", "../../dist/web/"]) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(`${dir}index.html`)) return dir;
  }
  return undefined;
}

function loadPage(): Map<string, PageFile> | undefined {
  const dir = pageDirectory();
  if (dir === undefined) return undefined;
  const files = new Map<string, PageFile>();
  for (const name of ["index.html", "app.js", "app.css"]) {
    const path = `${dir}${name}`;
    if (!existsSync(path)) continue;
    files.set(name, {
      type: TYPES[name.slice(name.lastIndexOf("."))] ?? "application/octet-stream",
      body: readFileSync(path),
    });
  }
  return files;
}

/**
 * Registers the web page: its HTML on {@link isWebPagePath} paths and its two assets. The files
 * are read once, at start; everything is served from the studio's own origin, nothing from a CDN.
 */
export function registerWebPageRoutes(app: Hono): void {
  let files: Map<string, PageFile> | undefined;
  const file = (name: string): PageFile => {
    files ??= loadPage();
    const found = files?.get(name);
    if (found === undefined) {
      throw new StudioHttpError(
        404,
        `The studio's web page is not built (${name} is missing): run pnpm --filter @catena/studio build.`,
      );
    }
    return found;
  };
  app.get("/assets/:name", (c) => {
    const name = c.req.param("name");
    if (name !== "app.js" && name !== "app.css") throw new StudioHttpError(404, `No page asset ${name}.`);
    const { type, body } = file(name);
    return c.body(new Uint8Array(body), 200, {
      ...PAGE_HEADERS,
      "content-type": type,
      "cache-control": "no-cache",
    });
  });
  const html = (c: Context) => {
    const { body } = file("index.html");
    return c.body(new Uint8Array(body), 200, {
      ...PAGE_HEADERS,
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-cache",
    });
  };
  app.get("/", html);
  app.get("/index.html", html);
  app.get("/o/*", html);
  app.get("/public/:token/r", html);
  app.get("/public/:token/d", html);
}
