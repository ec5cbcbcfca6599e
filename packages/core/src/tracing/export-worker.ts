/*
 * The worker thread a LangsmithTracer exports through. It owns the langsmith SDK's Client and turns
 * each finished run it receives into a RunTree that the client batches and uploads in the
 * background, so that the SDK's serialisation and HTTP work (hundreds of microseconds per run)
 * never runs on the thread the chains run on.
 */
import { parentPort, workerData } from "node:worker_threads";
import { Client } from "langsmith/client";
import { RunTree } from "langsmith/run_trees";
import { GuardedFetch } from "./guarded-fetch.ts";
import {
  type ExportWorkerConfig,
  type FromExportWorker,
  idsOf,
  JSON_INGEST_HEADER,
  type RunRecord,
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

const guard = new GuardedFetch({
  onTrouble: (problem) => post({ type: "trouble", problem }),
  onFailure: (problem) => post({ type: "failure", problem }),
});
const client = new Client({
  apiUrl: config.apiUrl,
  ...(config.apiKey === undefined ? {} : { apiKey: config.apiKey }),
  timeout_ms: config.requestTimeoutMs,
  autoBatchTracing: true,
  blockOnRootRunFinalization: false,
  callerOptions: { maxRetries: UPLOAD_RETRIES },
  maxIngestMemoryBytes: MAX_QUEUED_BYTES,
  disablePromptCache: true,
  fetchImplementation: guard.fetch,
  // Catena's runs carry no attachments: a Catena studio then offers JSON batches, which cost the
  // SDK about a third of multipart's CPU. LangSmith ignores the header and keeps multipart.
  ...(config.ingest === "json" ? { headers: { [JSON_INGEST_HEADER]: "json" } } : {}),
});

let batches = 0;

/**
 * What each trace's runs share, by trace id. Kept after the root run (usually the last to end):
 * a step that outlives a timed-out run still ends later. The oldest are forgotten beyond this many.
 */
const traces = new Map<string, TraceInfo>();
const MAX_TRACES = 10_000;

function send(record: RunRecord): void {
  const { id, parentId, traceId, startTime } = idsOf(record.dotted_order);
  if (record.trace !== undefined) {
    traces.set(traceId, record.trace);
    if (traces.size > MAX_TRACES) traces.delete(traces.keys().next().value as string);
  }
  const trace = traces.get(traceId);
  const run = new RunTree({
    id,
    trace_id: traceId,
    dotted_order: record.dotted_order,
    ...(parentId === undefined ? {} : { parent_run_id: parentId }),
    name: record.name,
    run_type: record.run_type,
    start_time: startTime,
    ...(record.end_time === undefined ? {} : { end_time: record.end_time }),
    inputs: record.inputs,
    ...(record.outputs === undefined ? {} : { outputs: record.outputs }),
    ...(record.error === undefined ? {} : { error: record.error }),
    ...(record.reference_example_id === undefined
      ? {}
      : { reference_example_id: record.reference_example_id }),
    metadata: trace === undefined ? record.metadata : { ...trace.metadata, ...record.metadata },
    // Tags, unlike metadata, are not inherited by LangSmith: every run of the trace repeats them.
    ...(trace?.tags === undefined ? {} : { tags: trace.tags }),
    ...(trace === undefined ? {} : { project_name: trace.project }),
    client,
  });
  void (record.patch === true ? run.patchRun({ excludeInputs: true }) : run.postRun());
}

port.on("message", (message: ToExportWorker) => {
  if (message.type === "runs") {
    for (const record of message.runs) send(record);
    const batch = ++batches;
    // Tells the tracer when everything sent so far is out, so that it lets the process exit.
    void client.awaitPendingTraceBatches().then(() => post({ type: "drained", batch }));
  } else if (message.type === "flush") {
    void (async () => {
      await new Promise((resolve) => setImmediate(resolve));
      await client.flush().catch(() => {});
      await client.awaitPendingTraceBatches().catch(() => {});
      post({ type: "flushed", id: message.id, healthy: guard.healthy });
    })();
  } else if (message.type === "close") {
    guard.close();
    client.cleanup();
    port.close();
  }
});
