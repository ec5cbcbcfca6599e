import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { defaultStudioDbPath } from "./default-studio-db-path.ts";
import { hostNameOf, isLoopbackHost } from "./http/host-guard.ts";
import { MAX_BODY_ENV } from "./multipart/dropped-part-marker.ts";
import type { ReviewResumer } from "./routes/review-routes.ts";
import { StudioStore } from "./store/studio-store.ts";
import { createStudioApp } from "./studio-app.ts";
import { StudioStartError } from "./studio-start-error.ts";

/** How to start the studio; every field has a default. */
export interface StudioOptions {
  /** TCP port; 0 (the default) picks a free one. The CLI uses 1984. */
  port?: number;
  /**
   * Interface to listen on; default 127.0.0.1. Any address other machines can reach (`0.0.0.0`, a
   * LAN address) needs an `apiKey`, else the studio refuses to start.
   */
  host?: string;
  /**
   * More `Host` header names to answer to, besides the loopback names, `host` and the host of
   * `publicUrl` (`.example.com` allows a domain and its subdomains). Requests for any other name
   * get a 403: that is how DNS rebinding is stopped.
   */
  allowedHosts?: readonly string[];
  /**
   * The URL other people reach the studio at, e.g. `http://studio.lan:1984` (default: `url`):
   * presigned feedback URLs start with it.
   */
  publicUrl?: string;
  /** SQLite file; default {@link defaultStudioDbPath}. */
  dbPath?: string;
  /** Required `x-api-key`; default `CATENA_STUDIO_API_KEY`, else no key is required. */
  apiKey?: string;
  /**
   * Largest request body in bytes; default `CATENA_STUDIO_MAX_BODY_MB` MiB, else 32 MiB (the SDK's
   * batches stay under 20 MiB). A trace upload past it keeps its runs and stores the parts that did
   * not fit as markers saying so (run-ingest-routes.ts); other requests past it get a 413.
   */
  bodyLimitBytes?: number;
  /**
   * Resumes a paused run when a reviewer decides it (`catena studio` passes one that loads the
   * chains); without it, decisions are stored for `catena resume --decided`.
   */
  resumeReview?: ReviewResumer;
}

/** A studio that is serving. */
export interface RunningStudio {
  /** Base URL to give the SDK as `apiUrl` / `LANGSMITH_ENDPOINT`, e.g. `http://127.0.0.1:43123`. */
  url: string;
  port: number;
  dbPath: string;
  /** Stops accepting requests, ends open connections and closes the database. */
  close(): Promise<void>;
}

/** The default request-body limit. */
export const DEFAULT_BODY_LIMIT_BYTES = 32 * 1024 * 1024;

/**
 * Starts the local LangSmith-compatible studio: opens (or creates) its SQLite database and serves
 * the API over HTTP.
 *
 * @example
 * const studio = await startStudio({ dbPath: "/tmp/studio.db" });
 * const client = new Client({ apiUrl: studio.url, apiKey: "anything" });
 * // ...
 * await studio.close();
 */
export async function startStudio(options: StudioOptions = {}): Promise<RunningStudio> {
  const dbPath = options.dbPath ?? defaultStudioDbPath();
  const host = options.host ?? "127.0.0.1";
  const apiKey = options.apiKey ?? process.env.CATENA_STUDIO_API_KEY;
  if ((apiKey === undefined || apiKey === "") && !(await isLoopbackHost(host))) {
    throw new StudioStartError(
      "insecure-host",
      host,
      `Refusing to serve the Catena studio on ${host} without an API key: every machine that reaches that address could read and write all traces. ` +
        `Set a key, e.g. CATENA_STUDIO_API_KEY=$(openssl rand -hex 16) catena studio --host ${host} (startStudio({ apiKey })), ` +
        "and give clients the same key as LANGSMITH_API_KEY; or keep the default --host 127.0.0.1.",
    );
  }
  const allowedHosts = [...(options.allowedHosts ?? [])];
  if (options.publicUrl !== undefined) {
    const name = URL.canParse(options.publicUrl) ? hostNameOf(new URL(options.publicUrl).host) : undefined;
    if (name === undefined) {
      throw new StudioStartError(
        "invalid-option",
        host,
        `publicUrl ${JSON.stringify(options.publicUrl)} is not a URL: give the base URL clients use, e.g. http://studio.lan:1984.`,
      );
    }
    allowedHosts.push(name);
  }
  const bodyLimitBytes = options.bodyLimitBytes ?? bodyLimitFromEnv(host);
  let url = "";
  const store = StudioStore.open(dbPath);
  const app = createStudioApp(store, {
    apiKey,
    bodyLimitBytes,
    host,
    allowedHosts,
    publicUrl: () => options.publicUrl?.replace(/\/+$/, "") ?? url,
    resumeReview: options.resumeReview,
  });
  let server: ReturnType<typeof serve>;
  try {
    server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: host }, () => resolve(s));
      s.once("error", reject);
    });
  } catch (error) {
    store.close();
    const code = (error as NodeJS.ErrnoException).code;
    const hint =
      code === "EADDRINUSE"
        ? ": the port is taken; pick another (`catena studio --port <n>`, or `port` of startStudio), or 0 for any free port"
        : "";
    throw new StudioStartError(
      "listen-failed",
      host,
      `Cannot start the Catena studio on ${host}:${options.port ?? 0}${hint} (${(error as Error).message}).`,
      { cause: error },
    );
  }
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  url = `http://${urlHost}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    dbPath,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => {
          store.close();
          resolve();
        });
        // Keep-alive connections of SDK clients would otherwise hold the server open.
        if ("closeAllConnections" in server) server.closeAllConnections();
      });
      return closing;
    },
  };
}

// CATENA_STUDIO_MAX_BODY_MB, in MiB; anything but a number from 1 up is refused at start, naming it.
function bodyLimitFromEnv(host: string): number {
  const raw = process.env[MAX_BODY_ENV]?.trim();
  if (raw === undefined || raw === "") return DEFAULT_BODY_LIMIT_BYTES;
  const mib = Number(raw);
  if (!Number.isFinite(mib) || mib <= 0) {
    throw new StudioStartError(
      "invalid-option",
      host,
      `${MAX_BODY_ENV}=${JSON.stringify(raw)} is not a size: give the largest request body in MiB, e.g. ${MAX_BODY_ENV}=64.`,
    );
  }
  // Below 1 MiB ordinary runs, feedback and dataset uploads would be dropped or refused.
  if (mib < 1) {
    throw new StudioStartError(
      "invalid-option",
      host,
      `${MAX_BODY_ENV}=${JSON.stringify(raw)} is below 1 MiB, too small for ordinary trace uploads: give at least 1, e.g. ${MAX_BODY_ENV}=64 (the default is 32).`,
    );
  }
  return Math.round(mib * 1024 * 1024);
}
