import type { RunCreate, RunUpdate } from "langsmith/schemas";
import { idsOf, type RunRecord, type TraceInfo } from "./run-record.ts";

/**
 * What every run the export worker sends carries besides its own fields: the SDK's runtime
 * description (`extra.runtime`) and the metadata it takes from `LANGSMITH_*` variables, made once
 * per worker as the SDK's `mergeRuntimeEnvIntoRun` makes them once per run.
 */
export interface PayloadBase {
  runtime: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/** A run ready for the SDK's `batchIngestRuns`: a create, or an update of a run sent earlier. */
export type RunPayload = { kind: "create"; run: RunCreate } | { kind: "update"; run: RunUpdate };

/**
 * A trace's shared part with the environment's metadata under its own, merged once per trace
 * rather than once per run.
 */
export function withEnvironment(trace: TraceInfo, base: PayloadBase): TraceInfo {
  return { ...trace, metadata: { ...base.metadata, ...trace.metadata } };
}

/**
 * The LangSmith run a {@link RunRecord} stands for, as a plain object in the run schema: what the
 * SDK's `RunTree.postRun` (or `patchRun` for a record marked `patch`) would have sent, without
 * building a `RunTree` per run. Metadata is the environment's, then the trace's (the root's start
 * metadata), then the run's own; tags and project are the trace's. `trace` comes from
 * {@link withEnvironment}.
 */
export function runPayload(record: RunRecord, trace: TraceInfo | undefined, base: PayloadBase): RunPayload {
  const { id, parentId, traceId, startTime } = idsOf(record.dotted_order);
  const metadata = { ...(trace === undefined ? base.metadata : trace.metadata), ...record.metadata };
  const run: RunCreate = {
    id,
    name: record.name,
    run_type: record.run_type,
    start_time: startTime,
    trace_id: traceId,
    dotted_order: record.dotted_order,
    inputs: record.inputs,
    extra: { metadata, runtime: base.runtime },
  };
  if (parentId !== undefined) run.parent_run_id = parentId;
  if (record.end_time !== undefined) run.end_time = record.end_time;
  if (record.outputs !== undefined) run.outputs = record.outputs;
  if (record.error !== undefined) run.error = record.error;
  if (record.reference_example_id !== undefined) run.reference_example_id = record.reference_example_id;
  // Tags, unlike metadata, are not inherited by LangSmith: every run of the trace repeats them.
  if (trace?.tags !== undefined) run.tags = trace.tags;
  if (trace !== undefined) run.session_name = trace.project;
  if (record.patch !== true) return { kind: "create", run };
  // An update leaves out the inputs, as `patchRun({ excludeInputs: true })` does: the run's
  // inputs are the ones its create sent.
  const { inputs: _inputs, ...update } = run;
  return { kind: "update", run: update };
}
