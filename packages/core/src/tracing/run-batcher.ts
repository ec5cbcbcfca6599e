import type { RunCreate, RunUpdate } from "langsmith/schemas";
import type { IngestClient } from "./ingest-client.ts";
import type { RunPayload } from "./run-payload.ts";
import type { RunRecord, TraceInfo } from "./run-record.ts";

/**
 * How long a run waits for a fuller batch before it is uploaded anyway, as long as the SDK's own
 * batching waits. Longer waits mean fewer, larger requests (less CPU per run on both sides);
 * `flush()` never waits for it.
 */
const BATCH_WAIT_MS = 250;
/** Runs per upload before the backend's `/info` is known. */
const FIRST_BATCH_RUNS = 100;

/** A finished run waiting for its batch, with what its trace shares. */
export interface QueuedRun {
  record: RunRecord;
  trace: TraceInfo | undefined;
}

/** Bytes a run's payload adds to what its record holds: ids, times, the trace's metadata and tags. */
const PAYLOAD_OVERHEAD_BYTES = 1024;

/** What a {@link RunBatcher} reports to its worker. */
export interface RunBatcherEvents {
  /** An upload was lost for a reason the guarded fetch did not count (see `isCounted`). */
  onLost(problem: string): void;
  /** Whether the failure that lost the last upload was already counted (a failed request). */
  isCounted(): boolean;
  /** Nothing is waiting or uploading any more. */
  onIdle(): void;
}

/**
 * Collects finished runs into batches and uploads each batch in one request through the SDK's
 * client: when it holds as many runs or bytes as the backend takes per request, or
 * {@link BATCH_WAIT_MS} after its first run, whichever comes first. A run's payload is built only
 * when its batch leaves, so that what waits is the small record the worker received (waiting
 * objects outlive the young generation: the fewer, the less garbage collection).
 */
export class RunBatcher {
  readonly #client: IngestClient;
  readonly #events: RunBatcherEvents;
  readonly #payload: (run: QueuedRun) => RunPayload;
  #queued: QueuedRun[] = [];
  #bytes = 0;
  #maxRuns = FIRST_BATCH_RUNS;
  #maxBytes = Number.POSITIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  readonly #uploads = new Set<Promise<void>>();

  /** `payload` turns a queued run into what the SDK sends (see `runPayload`). */
  constructor(client: IngestClient, events: RunBatcherEvents, payload: (run: QueuedRun) => RunPayload) {
    this.#client = client;
    this.#events = events;
    this.#payload = payload;
    void client.route().then((route) => {
      this.#maxRuns = route.maxRuns;
      this.#maxBytes = route.maxBytes;
    });
  }

  /** Queues a run; it is uploaded with its batch. */
  add(run: QueuedRun): void {
    const { inputs, outputs, metadata } = run.record;
    const size = PAYLOAD_OVERHEAD_BYTES + approximateJsonBytes([inputs, outputs, metadata]);
    if (this.#bytes + size > this.#maxBytes) this.#upload();
    this.#queued.push(run);
    this.#bytes += size;
    if (this.#queued.length >= this.#maxRuns) this.#upload();
    else this.#timer ??= setTimeout(() => this.#upload(), BATCH_WAIT_MS);
  }

  /** Uploads what is waiting and resolves when every upload so far has ended. */
  async flush(): Promise<void> {
    this.#upload();
    while (this.#uploads.size > 0) await Promise.allSettled([...this.#uploads]);
  }

  #upload(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#queued.length === 0) return;
    const creates: RunCreate[] = [];
    const updates: RunUpdate[] = [];
    for (const run of this.#queued) {
      const payload = this.#payload(run);
      if (payload.kind === "create") creates.push(payload.run);
      else updates.push(payload.run);
    }
    const bytes = this.#bytes;
    this.#queued = [];
    this.#bytes = 0;
    const upload: Promise<void> = this.#client
      .ingest(creates, updates, bytes)
      .catch((error: unknown) => {
        if (!this.#events.isCounted()) {
          this.#events.onLost(error instanceof Error ? error.message : String(error));
        }
      })
      .finally(() => {
        this.#uploads.delete(upload);
        if (this.#uploads.size === 0 && this.#timer === undefined) this.#events.onIdle();
      });
    this.#uploads.add(upload);
  }
}

/**
 * About how many bytes `value` takes as JSON, to keep a batch under the backend's body limit
 * (strings count their length, everything else a few bytes). It stops counting past `budget`
 * bytes or 100 levels deep (a cycle, which the SDK's serialiser cuts).
 */
export function approximateJsonBytes(value: unknown, budget = 1024 * 1024): number {
  let bytes = 0;
  const visit = (v: unknown, depth: number): void => {
    if (typeof v === "string") bytes += v.length + 3;
    else if (typeof v !== "object" || v === null) bytes += 8;
    else if (bytes <= budget && depth < 100) {
      if (Array.isArray(v)) for (const item of v) visit(item, depth + 1);
      else {
        for (const key in v) {
          bytes += key.length + 4;
          visit((v as Record<string, unknown>)[key], depth + 1);
        }
      }
    }
  };
  visit(value, 0);
  return bytes;
}
