/** What every run of one trace shares: sent once, with the first of its runs to reach the worker. */
export interface TraceInfo {
  /** The root run's metadata when it started (chain, version, fingerprint, ...), inherited by every run. */
  metadata: Record<string, unknown>;
  tags?: string[];
  project: string;
}

/**
 * One finished run as the tracer hands it to its export worker, plain data only and kept small
 * (the structured clone is what tracing costs the chain's thread): the run id, its parent, the trace
 * id and the start time are all in the dotted order; what the trace's runs share is in `trace`.
 */
export interface RunRecord {
  dotted_order: string;
  name: string;
  run_type: string;
  /** Epoch milliseconds; absent for a run sent as still going (a review waiting for its decision). */
  end_time?: number;
  /** An update of a run an earlier process sent (its start and inputs stay as they were). */
  patch?: true;
  inputs: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  error?: string;
  /** Root runs of an experiment: the dataset example the run answers. */
  reference_example_id?: string;
  /** The run's own metadata over what it inherits from ancestors below the root. */
  metadata: Record<string, unknown>;
  trace?: TraceInfo;
}

/** The ids and start time a dotted order holds: `<stamp>Z<id>` segments, root first. */
export function idsOf(dottedOrder: string): {
  id: string;
  parentId?: string;
  traceId: string;
  startTime: string;
} {
  const segments = dottedOrder.split(".");
  const last = segments[segments.length - 1] ?? "";
  const parent = segments.length > 1 ? segments[segments.length - 2] : undefined;
  const s = last.slice(0, -36);
  // 20261128T004011123001Z -> 2026-11-28T00:40:11.123001Z
  const startTime = `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}.${s.slice(15, 21)}Z`;
  const out = { id: last.slice(-36), traceId: (segments[0] ?? "").slice(-36), startTime };
  return parent === undefined ? out : { ...out, parentId: parent.slice(-36) };
}

/** Messages from the tracer to its export worker. */
export type ToExportWorker =
  | { type: "runs"; runs: RunRecord[] }
  | { type: "flush"; id: number }
  | { type: "close" };

/** Messages from the export worker to the tracer. */
export type FromExportWorker =
  /** `healthy`: no upload is being lost (see `GuardedFetch.healthy`). */
  | { type: "flushed"; id: number; healthy: boolean }
  | { type: "drained"; batch: number }
  /** An upload failed or was dropped. */
  | { type: "failure"; problem: string }
  /** Worth a warning: the backend keeps failing and uploads are dropped for a while. */
  | { type: "trouble"; problem: string };

/**
 * The header that tells a Catena studio a client's runs carry no attachments, so that its `/info`
 * offers JSON batches (the same name as `@catena/studio`'s `JSON_INGEST_HEADER`; core does not
 * depend on the studio).
 */
export const JSON_INGEST_HEADER = "x-catena-ingest";

/** What the export worker is started with. */
export interface ExportWorkerConfig {
  apiUrl: string;
  apiKey?: string;
  requestTimeoutMs: number;
  /** The upload route to ask a Catena studio for (see `LangsmithTracerOptions.ingest`). */
  ingest: "json" | "multipart";
}
