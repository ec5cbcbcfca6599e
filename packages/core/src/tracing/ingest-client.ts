import { Client } from "langsmith/client";
import type { RunCreate, RunUpdate } from "langsmith/schemas";

/** The SDK's default number of runs per upload, where a backend's `/info` names none. */
const DEFAULT_BATCH_RUNS = 100;
/** The SDK's default bytes per upload, where a backend's `/info` names none. */
const DEFAULT_BATCH_BYTES = 20 * 1024 * 1024;

/** How a backend wants runs uploaded, from its `GET /info` (asked once per client). */
export interface IngestRoute {
  multipart: boolean;
  /** Runs per upload at most. */
  maxRuns: number;
  /** Bytes per upload at most (JSON). */
  maxBytes: number;
  /** Multipart bodies may be gzipped. */
  gzip: boolean;
}

/**
 * The langsmith SDK's `Client`, told whole batches of ready run payloads: `ingest` sends them the
 * way the SDK's own background batching would (JSON `POST /runs/batch` or multipart, as the
 * backend's `/info` says), through the SDK's batch methods, its retries and its upload queue.
 */
export class IngestClient extends Client {
  #route: Promise<IngestRoute> | undefined;

  /** The upload route and limits the backend asks for. */
  route(): Promise<IngestRoute> {
    this.#route ??= this._ensureServerInfo().then(
      (info) => {
        const batch = (info?.batch_ingest_config ?? {}) as Record<string, unknown>;
        return {
          multipart: batch.use_multipart_endpoint !== false,
          maxRuns: positiveOr(batch.size_limit, DEFAULT_BATCH_RUNS),
          maxBytes: positiveOr(batch.size_limit_bytes, DEFAULT_BATCH_BYTES),
          gzip: (info?.instance_flags as Record<string, unknown> | undefined)?.gzip_body_enabled === true,
        };
      },
      () => {
        // Asked again with the next batch; meanwhile the SDK's defaults.
        this.#route = undefined;
        return { multipart: true, maxRuns: DEFAULT_BATCH_RUNS, maxBytes: DEFAULT_BATCH_BYTES, gzip: false };
      },
    );
    return this.#route;
  }

  /** Uploads one batch of creates and updates in one request; rejects when it is lost. */
  async ingest(runCreates: RunCreate[], runUpdates: RunUpdate[], sizeBytes: number): Promise<void> {
    const { multipart, gzip } = await this.route();
    const runs = { runCreates, runUpdates };
    if (multipart) await this.multipartIngestRuns(runs, { sizeBytes, useGzip: gzip });
    else await this.batchIngestRuns(runs, { sizeBytes });
  }
}

function positiveOr(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : fallback;
}
