import { timingSafeEqual } from "node:crypto";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { getPath } from "hono/utils/url";
import { bodyTooLargeError } from "./http/body-too-large-error.ts";
import { HostAllowList, hostGuard } from "./http/host-guard.ts";
import { originGuard } from "./http/origin-guard.ts";
import { StudioHttpError } from "./http/studio-http-error.ts";
import { withoutNulInUrl } from "./http/without-nul-url.ts";
import { IngestRefusals } from "./ingest-refusals.ts";
import { registerAnnotationQueueItemRoutes } from "./routes/annotation-queue-item-routes.ts";
import { registerAnnotationQueueRoutes } from "./routes/annotation-queue-routes.ts";
import { registerCatenaReadRoutes } from "./routes/catena-read-routes.ts";
import { registerComparativeRoutes } from "./routes/comparative-routes.ts";
import { registerDatasetRoutes } from "./routes/dataset-routes.ts";
import { PUBLIC_DATASET_PATH, registerDatasetShareRoutes } from "./routes/dataset-share-routes.ts";
import { registerDatasetUploadRoutes } from "./routes/dataset-upload-routes.ts";
import { registerDatasetVersionRoutes } from "./routes/dataset-version-routes.ts";
import { isPresignedAttachmentRequest, registerExampleRoutes } from "./routes/example-routes.ts";
import { registerFeedbackConfigRoutes } from "./routes/feedback-config-routes.ts";
import { registerFeedbackRoutes } from "./routes/feedback-routes.ts";
import { FEEDBACK_TOKEN_PATH, registerFeedbackTokenRoutes } from "./routes/feedback-token-routes.ts";
import { registerInfoRoutes } from "./routes/info-routes.ts";
import { registerJsonExampleRoutes } from "./routes/json-example-routes.ts";
import { type ReviewResumer, registerReviewRoutes } from "./routes/review-routes.ts";
import { registerRunGroupRoutes } from "./routes/run-group-routes.ts";
import {
  isRunIngestPath,
  MULTIPART_INGEST_PATH,
  registerRunIngestRoutes,
} from "./routes/run-ingest-routes.ts";
import { registerRunReadRoutes } from "./routes/run-read-routes.ts";
import { registerSessionResolutionRoutes } from "./routes/session-resolution-routes.ts";
import { registerSessionRoutes } from "./routes/session-routes.ts";
import { PUBLIC_READ_PATH, registerShareRoutes } from "./routes/share-routes.ts";
import { registerV2ListRoutes } from "./routes/v2-list-routes.ts";
import { registerV2RunRoutes, v2RunContext } from "./routes/v2-run-routes.ts";
import { registerV2ThreadRoutes } from "./routes/v2-thread-routes.ts";
import { isWebPagePath, registerWebPageRoutes } from "./routes/web-page-routes.ts";
import type { StudioStore } from "./store/studio-store.ts";

/** How the studio's HTTP app behaves. */
export interface StudioAppOptions {
  /** When set, every request but the end-user feedback-token ones must send it as `x-api-key`. */
  apiKey?: string | undefined;
  /** The largest request body accepted (after de-chunking); larger ones get a 413. */
  bodyLimitBytes: number;
  /**
   * The studio's own base URL, e.g. `http://127.0.0.1:1984`: presigned feedback URLs start with it.
   * A function, because a server on port 0 learns its port after the app is made.
   */
  publicUrl: string | (() => string);
  /** The address the server listens on (default 127.0.0.1); its name is answered to, see {@link HostAllowList}. */
  host?: string | undefined;
  /** More `Host` names to answer to besides the loopback ones and `host` (`.example.com` for a domain). */
  allowedHosts?: readonly string[] | undefined;
  /** Where refusals are logged (default: `console.warn`, the server's stderr). */
  log?: ((line: string) => void) | undefined;
  /** Resumes a paused run when a decision arrives; without it decisions are stored for `catena resume --decided`. */
  resumeReview?: ReviewResumer | undefined;
}

/**
 * The studio's HTTP app (hono): the LangSmith REST subset the SDK uses, over `store`. Paths may
 * carry an `/api/v1` prefix (what users set when they copy LangSmith's endpoint). Every refusal is
 * a JSON `{ "detail": "..." }` with a 4xx status; the app never lets an error escape.
 *
 * Before any route: the `Host` must be one the studio answers to (DNS rebinding), a web page on
 * another origin may call only the presigned feedback URLs (cross-site writes), and with an API key
 * every other request must send it. A NUL (`%00`) in the URL is read as U+FFFD, as in JSON bodies.
 */
export function createStudioApp(store: StudioStore, options: StudioAppOptions): Hono {
  const app = new Hono({
    getPath: (request) => {
      const path = getPath(request);
      return path === "/api/v1" || path.startsWith("/api/v1/") ? path.slice("/api/v1".length) || "/" : path;
    },
  });

  const isPublicPath = (path: string) => FEEDBACK_TOKEN_PATH.test(path);
  app.use("*", hostGuard(new HostAllowList(options.host ?? "127.0.0.1", options.allowedHosts)));
  app.use("*", originGuard({ isPublicPath }));

  const expectedKey =
    options.apiKey === undefined || options.apiKey === "" ? undefined : Buffer.from(options.apiKey);
  if (expectedKey !== undefined) {
    app.use("*", async (c, next) => {
      if (isPublicPath(c.req.path)) return next();
      // The page's HTML and assets hold no data: the page asks for the key, then reads the API with it.
      if ((c.req.method === "GET" || c.req.method === "HEAD") && isWebPagePath(c.req.path)) return next();
      if (isPresignedAttachmentRequest(c.req.path, c.req.url)) return next();
      // A share token is the key to what it shares (and to nothing else, see share-routes.ts).
      if ((c.req.method === "GET" || c.req.method === "POST") && PUBLIC_READ_PATH.test(c.req.path))
        return next();
      if (c.req.method === "GET" && PUBLIC_DATASET_PATH.test(c.req.path)) return next();
      const given = Buffer.from(c.req.header("x-api-key") ?? "");
      if (given.length !== expectedKey.length || !timingSafeEqual(given, expectedKey)) {
        throw new StudioHttpError(
          401,
          "Missing or wrong x-api-key: this studio was started with an API key (CATENA_STUDIO_API_KEY); send the same key (LANGSMITH_API_KEY for the SDK).",
        );
      }
      return next();
    });
  }

  const refusals = new IngestRefusals(options.log);
  const limitBody = bodyLimit({
    maxSize: options.bodyLimitBytes,
    onError: (c) => {
      const request = `${c.req.method} ${c.req.path}`;
      const declared = c.req.header("content-length");
      const error = bodyTooLargeError(
        request,
        options.bodyLimitBytes,
        declared === undefined ? undefined : Number(declared),
      );
      // Runs refused whole: the SDK prints the 413 once, and the studio's log and /info say so too.
      if (isRunIngestPath(c.req.method, c.req.path)) refusals.refusedBody(request, error.message);
      throw error;
    },
  });
  // Trace uploads are streamed and keep what fits (run-ingest-routes.ts); every other body is held to the limit.
  app.use("*", (c, next) =>
    c.req.method === "POST" && c.req.path === MULTIPART_INGEST_PATH ? next() : limitBody(c, next),
  );

  // GET /info offers no compression, so the SDK sends none; a client that compresses anyway would
  // otherwise read "malformed multipart" or "not valid JSON" about a body it knows is fine.
  app.use("*", async (c, next) => {
    const encoding = c.req.header("content-encoding")?.trim().toLowerCase();
    if (encoding !== undefined && encoding !== "" && encoding !== "identity") {
      throw new StudioHttpError(
        415,
        `Content-Encoding ${encoding} is not accepted: send the body uncompressed (GET /info lists no compression).`,
      );
    }
    return next();
  });

  const publicUrl = options.publicUrl;
  const baseUrl = typeof publicUrl === "string" ? () => publicUrl : publicUrl;
  const v2 = v2RunContext(store, baseUrl);
  store.examples.useBaseUrl(baseUrl);
  registerInfoRoutes(app, refusals, options.bodyLimitBytes);
  registerRunIngestRoutes(app, store, refusals, options.bodyLimitBytes);
  registerRunReadRoutes(app, store, v2.attachmentsOf);
  registerRunGroupRoutes(app, store);
  registerSessionResolutionRoutes(app, store);
  registerSessionRoutes(app, store);
  registerFeedbackTokenRoutes(app, store, baseUrl);
  registerFeedbackRoutes(app, store);
  registerFeedbackConfigRoutes(app, store);
  registerComparativeRoutes(app, store);
  registerDatasetVersionRoutes(app, store);
  registerDatasetUploadRoutes(app, store);
  registerDatasetRoutes(app, store);
  registerDatasetShareRoutes(app, store);
  registerJsonExampleRoutes(app, store);
  registerExampleRoutes(app, store);
  registerReviewRoutes(app, store, options.resumeReview);
  registerCatenaReadRoutes(app, store);
  registerWebPageRoutes(app);

  registerV2RunRoutes(app, store, v2);
  registerV2ThreadRoutes(app, store, v2);
  registerV2ListRoutes(app, store, baseUrl);
  registerShareRoutes(app, store, v2);
  registerAnnotationQueueRoutes(app, store);
  registerAnnotationQueueItemRoutes(app, store);

  app.notFound((c) =>
    c.json(
      {
        detail: `No endpoint ${c.req.method} ${c.req.path} in the Catena studio: it serves the LangSmith API subset the SDK uses for tracing, review and evaluation (see the endpoint table in @catena/studio's README).`,
      },
      404,
    ),
  );

  app.onError((error, c) => {
    if (error instanceof StudioHttpError) {
      // A body refused for its size was not read to its end: the connection cannot carry another
      // request, and a client that reused it would fail with "other side closed".
      if (error.status === 413) c.header("Connection", "close");
      return c.json(error.toJSON(), error.status);
    }
    if (error instanceof HTTPException) {
      return c.json({ detail: error.message || "Bad request." }, error.status);
    }
    // An unexpected failure is a bug of the studio, not of the request: say so and keep serving.
    console.error(`catena studio: ${c.req.method} ${c.req.path} failed:`, error);
    return c.json({ detail: `Internal error of the Catena studio: ${error.message}` }, 500);
  });

  const dispatch = app.fetch;
  app.fetch = (request, ...rest) => dispatch(withoutNulInUrl(request), ...rest);
  return app;
}
