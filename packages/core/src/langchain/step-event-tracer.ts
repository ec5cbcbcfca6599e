import type { SerializedError } from "../errors/catena-error.ts";
import { serializeError } from "../errors/catena-error.ts";
import type { SpanInfo, SpanOutcome, StepRecord, Tracer, TraceSpan, Usage } from "../types.ts";

/** A step (or a map) of a run finished: what its record in the run result will say, plus its output. */
export interface StepFinishedEvent {
  type: "step";
  name: string;
  kind: string;
  status: StepRecord["status"];
  ms: number;
  tier?: string;
  attempt?: number;
  /** Index of the list element, for steps run inside a map. */
  item?: number;
  confidence?: number;
  /** Tokens and cost, for steps that called a model. */
  usage?: Usage;
  /** The step's output, when it finished `done` or `escalated`. */
  output?: unknown;
  error?: SerializedError;
}

/** What a {@link stepEventTracer} does besides reporting steps. */
export interface StepEventTracerOptions {
  /** A tracer to pass every span on to (the run's own tracing keeps working). */
  inner?: Tracer;
  /**
   * LangChain callbacks for steps when `inner` gives none: LangChain runs started in a step (an llm
   * step's model call) then nest under the LangChain run that invoked the chain.
   */
  langchainCallbacks?: (step: string) => Promise<unknown>;
}

// Spans that are not steps: a cascade groups its tiers, a map item groups the item's steps.
const GROUPING_KINDS = new Set(["cascade", "map-item"]);

/**
 * A tracer that reports each finished step of a run as it happens, built on the span tree the
 * runner already produces (a step's span ends once the machine has ruled on it, with its status),
 * so the runner needs no second event channel. Every span is also passed on to `inner`.
 *
 * @example
 * await run(chain, input, { tracer: stepEventTracer((e) => console.log(e.name, e.status, e.ms)) });
 */
export function stepEventTracer(
  onStep: (event: StepFinishedEvent) => void,
  options: StepEventTracerOptions = {},
): Tracer {
  const { inner, langchainCallbacks } = options;
  const span = (info: SpanInfo, target: TraceSpan | undefined, reports: boolean): TraceSpan => {
    const startedAt = performance.now();
    const callbacks =
      target?.langchainCallbacks !== undefined
        ? (o?: { internals?: boolean }) =>
            (target.langchainCallbacks as (o?: { internals?: boolean }) => Promise<unknown>)(o)
        : langchainCallbacks !== undefined
          ? () => langchainCallbacks(info.name)
          : undefined;
    return {
      active: true,
      child: (childInfo) => span(childInfo, target?.child(childInfo), isStep(childInfo)),
      annotate(annotation) {
        target?.annotate?.(annotation);
      },
      end(outcome) {
        target?.end(outcome);
        if (!reports) return;
        try {
          onStep(eventOf(info, outcome, performance.now() - startedAt));
        } catch {
          // A listener's failure must not fail the run, as for any tracer.
        }
      },
      ...(callbacks === undefined ? {} : { langchainCallbacks: callbacks }),
    };
  };
  return {
    startRun: (info) => span(info, inner?.startRun(info), false),
    ...(inner?.flush === undefined ? {} : { flush: (timeoutMs) => inner.flush!(timeoutMs) }),
  };
}

function isStep(info: SpanInfo): boolean {
  const kind = info.metadata?.kind;
  return typeof kind === "string" && !GROUPING_KINDS.has(kind);
}

function eventOf(info: SpanInfo, outcome: SpanOutcome, measuredMs: number): StepFinishedEvent {
  const start = info.metadata ?? {};
  const end = outcome.metadata ?? {};
  const status = end.status;
  const event: StepFinishedEvent = {
    type: "step",
    name: info.name,
    kind: String(start.kind),
    status:
      status === "done" || status === "escalated" ? status : outcome.error === undefined ? "done" : "error",
    ms: typeof end.ms === "number" ? end.ms : measuredMs,
  };
  if (typeof start.tier === "string") event.tier = start.tier;
  if (typeof start.attempt === "number" && start.attempt > 1) event.attempt = start.attempt;
  if (typeof start.item === "number") event.item = start.item;
  if (typeof end.confidence === "number") event.confidence = end.confidence;
  if (typeof end.tokens_in === "number") {
    event.usage = {
      inputTokens: end.tokens_in,
      outputTokens: Number(end.tokens_out ?? 0),
      costUsd: Number(end.cost_usd ?? 0),
    };
  }
  if (outcome.error !== undefined) event.error = serializeError(outcome.error);
  else if (outcome.outputs !== undefined) event.output = outcome.outputs;
  return event;
}
