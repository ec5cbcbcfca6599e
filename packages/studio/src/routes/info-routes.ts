import type { Hono } from "hono";
import type { IngestRefusals } from "../ingest-refusals.ts";

/**
 * What `GET /info` answers: multipart ingestion (`POST /runs/multipart`, LangSmith's default) and
 * the multipart examples endpoint. Multipart is the only route on which the SDK sends run
 * attachments (`RunTree({ attachments })`, `traceable`'s `extractAttachments`); on JSON batches it
 * drops them when a run's create and end go in one batch (the usual case), and otherwise inlines
 * them in the JSON, where an `ArrayBuffer` becomes `{}`. `sdb_query_enabled` is left out on
 * purpose: with it the SDK refuses feedback without a session id. The version is the newest the
 * SDK's resource clients ask for (0.18.0, `client.sessions`): the studio serves their v2 queries,
 * so the SDK must not warn that the backend is older (see the coverage table in the README).
 */
export const STUDIO_INFO = {
  version: "0.18.0",
  batch_ingest_config: { use_multipart_endpoint: true, size_limit: 100, size_limit_bytes: 20_971_520 },
  instance_flags: { dataset_examples_multipart_enabled: true },
} as const;

/**
 * The header a client sends to say that its runs carry no attachments, so that the cheaper JSON
 * batches (`POST /runs/batch`) are offered to it: Catena's own tracer does, because the SDK spends
 * about a third of multipart's CPU per run on them (bench/tracing). LangSmith ignores it.
 */
export const JSON_INGEST_HEADER = "x-catena-ingest";

/**
 * What `GET /info` answers a client that sent `x-catena-ingest: json`: JSON batches of up to 500
 * runs. Catena's tracer fills them when a chain runs fast; each request and each transaction then
 * stands for five times as many runs as the SDK's default 100 (bench/tracing).
 */
export const STUDIO_INFO_JSON_INGEST = {
  ...STUDIO_INFO,
  batch_ingest_config: { ...STUDIO_INFO.batch_ingest_config, use_multipart_endpoint: false, size_limit: 500 },
} as const;

/**
 * Registers `GET /info`, which the SDK reads once per client before its first batch; `catena` adds
 * the studio's limits and the runs it refused (see {@link IngestRefusals}). `size_limit_bytes` is
 * the SDK's 20 MiB default or the studio's body limit if smaller: the SDK splits its batches by it
 * (`_getBatchSizeLimitBytes`), so a smaller limit gets smaller batches rather than dropped parts.
 */
export function registerInfoRoutes(app: Hono, refusals: IngestRefusals, bodyLimitBytes: number): void {
  const sizeLimitBytes = Math.min(STUDIO_INFO.batch_ingest_config.size_limit_bytes, bodyLimitBytes);
  app.get("/info", (c) => {
    const info = c.req.header(JSON_INGEST_HEADER) === "json" ? STUDIO_INFO_JSON_INGEST : STUDIO_INFO;
    return c.json({
      ...info,
      batch_ingest_config: { ...info.batch_ingest_config, size_limit_bytes: sizeLimitBytes },
      catena: refusals.summary(),
    });
  });
}
