import type { Run } from "langsmith/schemas";

/** Count and mean score of one feedback key. */
export interface FeedbackTally {
  count: number;
  /** Mean of the numeric scores (booleans count as 0/1); undefined when none had a score. */
  meanScore?: number;
}

/** One chain run as listed by `listTraces` / `catena traces`. */
export interface TraceSummary {
  runId: string;
  /** The chain's name (the root run's name). */
  chain: string;
  version?: string;
  fingerprint?: string;
  /** `done`, `error`, `deferred`, `waiting`, or `pending` while the run has not ended. */
  status: string;
  /** The tier of the last cascade that answered. */
  tier?: string;
  /** ISO time the run started. */
  startedAt: string;
  /** Wall time in milliseconds, when the run has ended. */
  ms?: number;
  costUsd?: number;
  tokens?: number;
  error?: string;
  /** Feedback on the run, by key. */
  feedback: Record<string, FeedbackTally>;
}

/** One run of a trace tree, as shown by `readTrace` / `catena trace`. */
export interface TraceNode {
  runId: string;
  name: string;
  runType: string;
  /** Catena's step kind (`regex`, `code`, `llm`, `cascade`, `map`, ...), when Catena traced it. */
  kind?: string;
  status: string;
  /** ISO start time. */
  startedAt: string;
  ms?: number;
  tier?: string;
  confidence?: number;
  threshold?: number;
  /** For cascade tiers: whether the tier's answer was accepted (false: escalated). */
  accepted?: boolean;
  attempt?: number;
  item?: number;
  model?: string;
  tokens?: number;
  costUsd?: number;
  error?: string;
  inputs: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  metadata: Record<string, unknown>;
  children: TraceNode[];
}

/** The root of a trace, with what the run's summary says too. */
export interface TraceTree extends TraceNode {
  chain: string;
  version?: string;
  fingerprint?: string;
  project?: string;
}

/** The Catena metadata of a run (its `extra.metadata`). */
export function metadataOf(run: Run): Record<string, unknown> {
  const metadata = (run.extra as { metadata?: unknown } | undefined)?.metadata;
  return typeof metadata === "object" && metadata !== null ? (metadata as Record<string, unknown>) : {};
}

/** The fields `listTraces` shows for a root run. */
export function summaryOf(run: Run, feedback: Record<string, FeedbackTally>): TraceSummary {
  const m = metadataOf(run);
  const out: TraceSummary = {
    runId: run.id,
    chain: str(m.chain) ?? run.name,
    status: statusOf(run, m),
    startedAt: isoOf(run.start_time),
    feedback,
  };
  assign(out, "version", str(m.version));
  assign(out, "fingerprint", str(m.fingerprint));
  assign(out, "tier", str(m.tier));
  assign(out, "ms", durationOf(run));
  assign(out, "costUsd", num(m.cost_usd) ?? num((run as { total_cost?: unknown }).total_cost));
  assign(out, "tokens", tokensOf(run, m));
  assign(out, "error", run.error ?? undefined);
  return out;
}

/** A run and its loaded children as a {@link TraceNode} tree, children in execution order. */
export function nodeOf(run: Run): TraceNode {
  const m = metadataOf(run);
  const node: TraceNode = {
    runId: run.id,
    name: run.name,
    runType: run.run_type,
    status: statusOf(run, m),
    startedAt: isoOf(run.start_time),
    inputs: run.inputs ?? {},
    metadata: m,
    children: [...(run.child_runs ?? [])]
      .sort((a, b) => (a.dotted_order ?? "").localeCompare(b.dotted_order ?? ""))
      .map(nodeOf),
  };
  assign(node, "kind", str(m.kind));
  assign(node, "ms", durationOf(run));
  assign(node, "tier", str(m.tier));
  assign(node, "confidence", num(m.confidence));
  assign(node, "threshold", num(m.threshold));
  assign(node, "accepted", typeof m.accepted === "boolean" ? m.accepted : undefined);
  assign(node, "attempt", num(m.attempt));
  assign(node, "item", num(m.item));
  assign(node, "model", str(m.model) ?? str(m.ls_model_name));
  assign(node, "tokens", tokensOf(run, m));
  assign(node, "costUsd", num(m.cost_usd) ?? num((run as { total_cost?: unknown }).total_cost));
  assign(node, "error", run.error ?? undefined);
  assign(node, "outputs", run.outputs);
  return node;
}

function statusOf(run: Run, m: Record<string, unknown>): string {
  const status = str(m.status);
  if (status !== undefined) return status;
  if (run.error) return "error";
  return run.end_time === undefined || run.end_time === null ? "pending" : "done";
}

function durationOf(run: Run): number | undefined {
  if (run.end_time === undefined || run.end_time === null || run.start_time === undefined) return undefined;
  const ms = toEpoch(run.end_time) - toEpoch(run.start_time);
  return Number.isFinite(ms) ? ms : undefined;
}

function tokensOf(run: Run, m: Record<string, unknown>): number | undefined {
  const ours = (num(m.tokens_in) ?? 0) + (num(m.tokens_out) ?? 0);
  if (ours > 0) return ours;
  return num(run.total_tokens) || undefined;
}

function toEpoch(value: number | string): number {
  return typeof value === "number"
    ? value
    : Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
}

function isoOf(value: number | string | undefined): string {
  if (value === undefined) return "";
  const epoch = toEpoch(value);
  return Number.isFinite(epoch) ? new Date(epoch).toISOString() : String(value);
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** Sets an optional field only when there is a value (exactOptionalPropertyTypes). */
function assign<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}
