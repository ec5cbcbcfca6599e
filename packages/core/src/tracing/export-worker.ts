/*
 * The worker thread a LangsmithTracer exports through. It owns the langsmith SDK's Client, turns
 * each finished run it receives into the run payload the SDK would send and hands the client whole
 * batches (`batchIngestRuns`, or `multipartIngestRuns` where the backend asks for multipart), so
 * that neither the SDK's serialisation and HTTP work nor a RunTree per run ever runs on the thread
 * the chains run on.
 */
import { parentPort, workerData } from "node:worker_threads";
import { mergeRuntimeEnvIntoRun } from "langsmith/client";
import { GuardedFetch } from "./guarded-fetch.ts";
import { IngestClient } from "./ingest-client.ts";
import { NodeHttpFetch } from "./node-http-fetch.ts";
import { RunBatcher } from "./run-batcher.ts";
import { type PayloadBase, runPayload, withEnvironment } from "./run-payload.ts";
import {
  type ExportWorkerConfig,
  type FromExportWorker,
  JSON_INGEST_HEADER,
  type ToExportWorker,
  type TraceInfo,
} from "./run-record.ts";

/** Retries of a failed upload; fewer than the SDK's 4, so that a dead backend is given up on sooner. */
const UPLOAD_RETRIES = 2;
/** Trace data kept while the backend is slow; beyond it the SDK drops runs rather than grow. */
const MAX_QUEUED_BYTES = 64 * 1024 * 1024;

const port = parentPort;
if (port === null) throw new Error("export-worker.ts runs as a worker thread of a LangsmithTracer");
const config = workerData as ExportWorkerConfig;
const post = (message: FromExportWorker): void => port.postMessage(message);

// Sampling is decided on the chain's thread; the client must not sample a second time.
delete process.env.LANGSMITH_TRACING_SAMPLING_RATE;
delete process.env.LANGCHAIN_TRACING_SAMPLING_RATE;

const transport = new NodeHttpFetch();
const guard = new GuardedFetch({
  transport: transport.fetch,
  onTrouble: (problem) => post({ type: "trouble", problem }),
  onFailure: (problem) => post({ type: "failure", problem }),
});
const client = new IngestClient({
  apiUrl: config.apiUrl,
  ...(config.apiKey === undefined ? {} : { apiKey: config.apiKey }),
  timeout_ms: config.requestTimeoutMs,
  callerOptions: { maxRetries: UPLOAD_RETRIES },
  maxIngestMemoryBytes: MAX_QUEUED_BYTES,
  disablePromptCache: true,
  fetchImplementation: guard.fetch,
  // Catena's runs carry no attachments: a Catena studio then offers JSON batches, which cost the
  // SDK about a third of multipart's CPU. LangSmith ignores the header and keeps multipart.
  ...(config.ingest === "json" ? { headers: { [JSON_INGEST_HEADER]: "json" } } : {}),
});

// The runtime and environment metadata the SDK adds to every run, made once.
const environment = (mergeRuntimeEnvIntoRun({ name: "", run_type: "chain", inputs: {}, extra: {} }).extra ??
  {}) as Partial<PayloadBase>;
const base: PayloadBase = { runtime: environment.runtime ?? {}, metadata: environment.metadata ?? {} };

let received = 0;
const batcher = new RunBatcher(
  client,
  {
    onLost: (problem) => post({ type: "failure", problem }),
    isCounted: () => !guard.healthy,
    onIdle: () => post({ type: "drained", batch: received }),
  },
  ({ record, trace }) => runPayload(record, trace, base),
);

/**
 * What each trace's runs share, by trace id, with the environment's metadata merged in. Kept after
 * the root run (usually the last to end): a step that outlives a timed-out run still ends later.
 * The oldest are forgotten beyond this many.
 */
const traces = new Map<string, TraceInfo>();
const MAX_TRACES = 10_000;

port.on("message", (message: ToExportWorker) => {
  if (message.type === "runs") {
    received++;
    for (const record of message.runs) {
      const traceId = traceIdOf(record.dotted_order);
      if (record.trace !== undefined) {
        traces.set(traceId, withEnvironment(record.trace, base));
        if (traces.size > MAX_TRACES) traces.delete(traces.keys().next().value as string);
      }
      batcher.add({ record, trace: traces.get(traceId) });
    }
  } else if (message.type === "flush") {
    void batcher.flush().then(() => post({ type: "flushed", id: message.id, healthy: guard.healthy }));
  } else if (message.type === "close") {
    guard.close();
    transport.close();
    client.cleanup();
    port.close();
  }
});

/** The trace id: the id of the dotted order's first segment. */
function traceIdOf(dottedOrder: string): string {
  const dot = dottedOrder.indexOf(".");
  return (dot === -1 ? dottedOrder : dottedOrder.slice(0, dot)).slice(-36);
}
