import type { Hono } from "hono";
import type { IngestRefusals } from "../ingest-refusals.ts";

/**
 * What `GET /info` answers: JSON batch ingestion (`POST /runs/batch`) and the multipart examples
 * endpoint. The studio also takes `/runs/multipart` (LangSmith's default, and what clients told
 * otherwise send), but the SDK spends about a third of the CPU per run on JSON batches (measured in
 * bench/tracing), and tracing cost is what users feel. `sdb_query_enabled` is left out on purpose:
 * with it the SDK refuses feedback without a session id.
 */
export const STUDIO_INFO = {
  version: "0.10.0",
  batch_ingest_config: { use_multipart_endpoint: false, size_limit: 100, size_limit_bytes: 20_971_520 },
  instance_flags: { dataset_examples_multipart_enabled: true },
} as const;

/**
 * Registers `GET /info`, which the SDK reads once per client before its first batch; `catena` adds
 * the studio's limits and the runs it refused (see {@link IngestRefusals}).
 */
export function registerInfoRoutes(app: Hono, refusals: IngestRefusals): void {
  app.get("/info", (c) => c.json({ ...STUDIO_INFO, catena: refusals.summary() }));
}
