import type { ChainMachineContext } from "../compile/machine-context.ts";
import type { StateInfo } from "../compile/state-info.ts";
import type { CatenaError } from "../errors/catena-error.ts";
import type { SpanInfo, StepRecord, TraceSpan, Usage } from "../types.ts";
import type { RunSnapshot } from "./run-types.ts";

type StepInfo = Extract<StateInfo, { kind: "step" }>;

/** The span of a cascade while its tiers run: tiers nest under it. */
export interface OpenCascade {
  name: string;
  span: TraceSpan;
}

/** What a run's root span reports when it ends; the run session holds it. */
export interface RunTotals {
  readonly span: TraceSpan;
  readonly startedAt: number;
  readonly records: readonly StepRecord[];
  readonly usage: Usage;
  /** The tier that answered each cascade that ran, by cascade name. */
  readonly tiersUsed: Readonly<Record<string, string>>;
  readonly modelUsed: string | undefined;
}

/** A step's span still open once the step ran, with what ending it reports. */
export interface OpenStepSpan {
  record: StepRecord;
  span: TraceSpan;
  output?: unknown;
  /** The step's error, when it failed. */
  failure?: CatenaError | undefined;
}

/**
 * Ends the run's root span with how the run ended and what it cost: status, the tier each cascade
 * used (`tier` is the last one, what `catena traces` shows), tokens, cost and duration.
 */
export function endRunSpan(
  run: RunTotals,
  status: string,
  outcome: { outputs?: unknown; error?: unknown },
): void {
  if (!run.span.active) return;
  const tiers = Object.values(run.tiersUsed);
  const metadata: Record<string, unknown> = {
    status,
    ms: Date.now() - run.startedAt,
    steps: run.records.length,
    tokens_in: run.usage.inputTokens,
    tokens_out: run.usage.outputTokens,
    cost_usd: run.usage.costUsd,
  };
  if (tiers.length > 0) {
    metadata.tier = tiers[tiers.length - 1];
    metadata.tiers = { ...run.tiersUsed };
  }
  if (run.modelUsed !== undefined) metadata.model = run.modelUsed;
  run.span.end({ ...outcome, metadata });
}

/**
 * Ends a cascade's span with the answer it settled on (or why it deferred) and notes the tier used
 * in `tiersUsed`. Returns `undefined`, the open cascade there is now.
 */
export function endCascadeSpan(
  cascade: OpenCascade,
  context: ChainMachineContext,
  tiersUsed: Record<string, string>,
): undefined {
  const answer = context.outputs[cascade.name] as
    | { tier?: string; accepted?: boolean; confidence?: number }
    | null
    | undefined;
  if (answer && typeof answer.tier === "string") {
    tiersUsed[cascade.name] = answer.tier;
    cascade.span.end({
      outputs: answer,
      metadata: {
        status: "done",
        tier: answer.tier,
        accepted: answer.accepted === true,
        ...(typeof answer.confidence === "number" ? { confidence: rounded(answer.confidence) } : {}),
      },
    });
  } else if (context.deferred?.cascade === cascade.name) {
    cascade.span.end({
      outputs: { deferred: context.deferred },
      metadata: { status: "deferred", deferred: true },
    });
  } else {
    cascade.span.end({ outputs: { answer: answer ?? null }, metadata: { status: "done" } });
  }
  return undefined;
}

/** What a step's span records when it starts: kind, tier, threshold, attempt, map item, model. */
export function stepSpanInfo(
  info: StepInfo,
  data: unknown,
  attempt: number,
  item: number | undefined,
): SpanInfo {
  const { step } = info;
  const metadata: Record<string, unknown> = { kind: step.kind, attempt };
  if (info.cascade !== undefined) metadata.cascade = info.cascade;
  if (info.tier !== undefined) metadata.tier = info.tier;
  if (info.threshold !== undefined) metadata.threshold = rounded(info.threshold);
  if (item !== undefined) metadata.item = item;
  const model = modelOf(step);
  if (model !== undefined) metadata.model = model;
  return { name: step.name, runType: runTypeOf(step.kind), inputs: data, metadata };
}

/** What a cascade's span records when its first tier starts. */
export function cascadeSpanInfo(name: string, data: unknown): SpanInfo {
  return { name, runType: "chain", inputs: data, metadata: { kind: "cascade" } };
}

/** The model id in a step's spec (`llm` steps, and any step that names one). */
export function modelOf(step: StepInfo["step"]): string | undefined {
  // A code step names no model, and reading its spec would parse its source.
  if (step.kind === "code") return undefined;
  const model = (step.spec as { model?: unknown } | null)?.model;
  return typeof model === "string" ? model : undefined;
}

/**
 * Ends a step's span once the machine has ruled on it: outputs or error, and for cascade tiers
 * whether the answer was accepted or escalated; tokens and cost when the step used a model.
 */
export function endStepSpan(outcome: OpenStepSpan): void {
  const { record } = outcome;
  const metadata: Record<string, unknown> = { status: record.status, ms: record.ms };
  if (record.confidence !== undefined) metadata.confidence = rounded(record.confidence);
  if (record.tier !== undefined) {
    metadata.accepted = record.status === "done";
    metadata.escalated = record.status === "escalated";
  }
  if (record.usage !== undefined) {
    metadata.tokens_in = record.usage.inputTokens;
    metadata.tokens_out = record.usage.outputTokens;
    metadata.cost_usd = record.usage.costUsd;
  }
  if (outcome.failure !== undefined) outcome.span.end({ error: outcome.failure, metadata });
  else outcome.span.end({ outputs: outcome.output, metadata });
}

/**
 * Confidences and thresholds as people read them in a trace's metadata: three decimals (the
 * exact confidence stays in the step's output).
 */
function rounded(value: number): number {
  return Number.isFinite(value) ? Number(value.toFixed(3)) : value;
}

function runTypeOf(kind: string): "chain" | "llm" | "retriever" | "tool" | "embedding" | "parser" {
  switch (kind) {
    case "llm":
      return "llm";
    case "knn":
      return "retriever";
    case "regex":
      return "parser";
    case "embed":
      return "embedding";
    default:
      return "tool";
  }
}

/**
 * Sends the run of the review a run paused at, as still going: its inputs are the snapshot to
 * resume from (what a studio needs to list the review and resume it), its metadata the decision's
 * JSON Schema. Sets `snapshot.trace`, so that the resume continues this trace and ends the review.
 */
export function suspendReviewSpan(
  root: TraceSpan,
  snapshot: RunSnapshot,
  decisionSchema: Record<string, unknown> | undefined,
): void {
  const rootLocation = root.location?.();
  if (!root.active || rootLocation === undefined) return;
  const span = root.child({
    name: snapshot.review.name,
    runType: "chain",
    inputs: { snapshot },
    metadata: {
      kind: "review",
      status: "waiting",
      ...(snapshot.review.prompt === undefined ? {} : { prompt: snapshot.review.prompt }),
      ...(decisionSchema === undefined ? {} : { decision_schema: decisionSchema }),
    },
  });
  const review = span.location?.();
  if (review === undefined || span.suspend === undefined) return;
  snapshot.trace = { root: rootLocation, review };
  span.suspend({ metadata: { status: "waiting" } });
}
