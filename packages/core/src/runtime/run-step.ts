// The module binding, not the global: `globalThis.performance` is a lazy getter in Node, run on
// every read (a step reads the clock once or twice).
import { performance } from "node:perf_hooks";
import { abortReason, isThenable, settle } from "../async/settle.ts";
import type { AnyChain } from "../compile/chain.ts";
import { isLabelResult } from "../compile/context-actions.ts";
import type { ChainMachineContext, ChainMachineEvent } from "../compile/machine-context.ts";
import type { StateInfo } from "../compile/state-info.ts";
import { type CatenaError, type SerializedError, serializeError } from "../errors/catena-error.ts";
import { AbortedError, StepError, TimeoutError } from "../errors/errors.ts";
import type { ChainRef, Logger, StepContext, StepRecord, TraceSpan, Usage } from "../types.ts";
import { NEVER_ABORTED, NOOP_SPAN, STDERR_LOGGER } from "./quiet-defaults.ts";
import { metadataView, runMetadata } from "./run-metadata.ts";
import { type OpenStepSpan, stepSpanInfo } from "./run-trace.ts";
import type { RunOptions } from "./run-types.ts";
import type { TokenEvent } from "./token-event.ts";

/** A state whose effect is running one step. */
export type StepInfo = Extract<StateInfo, { kind: "step" }>;

/** The record of an attempt not settled yet (never recorded). */
const NO_RECORD: StepRecord = Object.freeze({ name: "", kind: "", startedAt: 0, ms: 0, status: "error" });

/** What of a run a step needs: who runs it, the run's signal and options, and where usage adds up. */
export interface StepHost {
  readonly runId: string;
  readonly ref: ChainRef;
  readonly chain: AnyChain;
  readonly options: RunOptions;
  readonly usage: Usage;
  /** What the steps see as `ctx.metadata`: a read-only view of the run's metadata. */
  readonly stepMetadata: Readonly<Record<string, unknown>>;
  readonly logger: Logger;
  readonly signal: AbortSignal | undefined;
  /** `Date.now()` and `performance.now()` read at one moment: step start times derive from them. */
  readonly wallBase: number;
  readonly monoBase: number;
  lastError: CatenaError | undefined;
}

/** The parts of a {@link StepContext}; what is left out gets the quiet default. */
export interface StepContextParts {
  runId: string;
  chain: ChainRef;
  input: unknown;
  /** Default: no outputs yet. */
  outputs?: Readonly<Record<string, unknown>>;
  /** Default: none. Given to the step as the runner gives it: a read-only view of a frozen copy. */
  metadata?: Readonly<Record<string, unknown>>;
  /** Default: a signal that never aborts. */
  signal?: AbortSignal | undefined;
  /** Default: warnings and errors to stderr. */
  logger?: Logger;
  /** Default: a span that records nothing. */
  trace?: TraceSpan;
  /** Default: 1. */
  attempt?: number;
  tier?: string | undefined;
  /** Default: usage is dropped. */
  recordUsage?: (usage: Partial<Usage>) => void;
  onToken?: ((text: string, call?: number) => void) | undefined;
}

const IGNORE_USAGE = (): void => {};
const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * Builds the context a step's `run` gets. The runner, `calibrate` and the step contract test all
 * build it here, so a step sees the same shape wherever it is called from.
 */
export function stepContext(parts: StepContextParts): StepContext {
  const ctx: StepContext = {
    signal: parts.signal ?? NEVER_ABORTED,
    runId: parts.runId,
    chain: parts.chain,
    input: parts.input,
    outputs: parts.outputs ?? EMPTY,
    // The runner's read-only view, so that a step called here (calibrate, the step contract test)
    // meets the same refusal of a write as in a run.
    metadata: metadataView(runMetadata(parts.metadata)),
    logger: parts.logger ?? STDERR_LOGGER,
    trace: parts.trace ?? NOOP_SPAN,
    attempt: parts.attempt ?? 1,
    recordUsage: parts.recordUsage ?? IGNORE_USAGE,
  };
  // Set after the fact, not spread in: the common case (no tier, no listener) stays one shape.
  if (parts.tier !== undefined) (ctx as { tier?: string }).tier = parts.tier;
  if (parts.onToken !== undefined) (ctx as { onToken?: StepContext["onToken"] }).onToken = parts.onToken;
  return ctx;
}

/**
 * Runs the step of a step state: opens its span under `parent`, gives it a context with its own
 * timeout signal, and turns what it returns or throws into the machine's next event and a record.
 * A synchronous step's attempt comes back settled; an asynchronous one's with `pending`, the
 * step's promise, which the caller awaits and hands to {@link StepAttempt.settled}.
 */
export function runStep(
  host: StepHost,
  info: StepInfo,
  context: ChainMachineContext,
  item: number | undefined,
  parent: TraceSpan,
  ref: ChainRef = host.ref,
  scopeSignal: AbortSignal | undefined = host.signal,
  now?: number,
): StepAttempt {
  const step = info.step;
  // `now`: a monotonic reading the caller took just before, with nothing but synchronous machine
  // work since (the previous step's end): one clock read per step instead of two.
  const t0 = now ?? performance.now();
  const attempt = info.retry === undefined ? 1 : (context.attempts[info.retry] ?? 0) + 1;
  const span = parent.active ? parent.child(stepSpanInfo(info, context.data, attempt, item)) : NOOP_SPAN;
  const timeoutMs = step.timeoutMs ?? host.options.stepTimeoutMs;
  let signal = scopeSignal;
  let onTimeout: (() => void) | undefined;
  if (timeoutMs !== undefined) {
    // The step gets a signal that also fires on its own timeout, so it can cancel its I/O.
    const controller = new AbortController();
    onTimeout = () =>
      controller.abort(new TimeoutError(`Step "${step.name}"`, timeoutMs, { details: { step: step.name } }));
    signal = signal ? AbortSignal.any([signal, controller.signal]) : controller.signal;
  }
  const outcome = new StepAttempt(host, info, item, attempt, t0, span, scopeSignal);
  const usage = host.usage;
  // Built here rather than through stepContext(parts): one object per step instead of two. The
  // fields are in stepContext's order, so a step sees one shape wherever it is called from.
  const ctx: StepContext = {
    signal: signal ?? NEVER_ABORTED,
    runId: host.runId,
    chain: ref,
    input: context.input,
    outputs: context.outputs,
    metadata: host.stepMetadata,
    logger: host.logger,
    trace: span,
    attempt,
    recordUsage(u) {
      outcome.usage ??= { inputTokens: 0, outputTokens: 0, costUsd: 0 };
      addUsage(outcome.usage, u);
      addUsage(usage, u);
    },
  };
  if (info.tier !== undefined) (ctx as { tier?: string }).tier = info.tier;
  if (host.options.onToken !== undefined) {
    (ctx as { onToken?: StepContext["onToken"] }).onToken = tokenSink(host, info, item, attempt);
  }
  try {
    const result = step.run(context.data as never, ctx);
    // Without a signal or a timeout there is nothing to race: skip building settle's label.
    const value =
      signal === undefined && timeoutMs === undefined
        ? result
        : settle(result, `Step "${step.name}"`, signal, timeoutMs, onTimeout);
    if (!(value instanceof Promise)) {
      if (!isThenable(value)) return outcome.ok(value);
      // Another library's thenable: adopted into a promise, so its value is the output, not it.
      outcome.pending = Promise.resolve(value);
      return outcome;
    }
    // The caller awaits it and settles the attempt (`settled`): no promise or closures of our own.
    outcome.pending = value;
    return outcome;
  } catch (error) {
    return outcome.fail(error);
  }
}

/**
 * One attempt of a step, and once settled its outcome: the machine's event (the attempt is its own
 * `{ type, output }` or `{ type, error }`), the record, and the span, still open (it ends once the
 * machine has said whether a tier was accepted). One object per step rather than an attempt, an
 * outcome, an event and closures: a batch runs this for every step of every item.
 */
export class StepAttempt implements OpenStepSpan {
  /** The event's type: `step.done` or `step.error` once settled. */
  type: "step.pending" | "step.done" | "step.error";
  /** What the step reported through `ctx.recordUsage`, if anything. */
  usage: Usage | undefined;
  /** An asynchronous step's promise, until the caller settles the attempt with what it gave. */
  pending: Promise<unknown> | undefined;
  record: StepRecord;
  output: unknown;
  /** The event's error, serialized (a retry's `retryOn` and the machine's context get this). */
  error: SerializedError | undefined;
  failure: CatenaError | undefined;
  /** The monotonic clock when the attempt settled (0 until then). */
  endedAt: number;
  readonly span: TraceSpan;
  private readonly host: StepHost;
  private readonly info: StepInfo;
  private readonly item: number | undefined;
  private readonly attempt: number;
  private readonly t0: number;
  private readonly scopeSignal: AbortSignal | undefined;

  constructor(
    host: StepHost,
    info: StepInfo,
    item: number | undefined,
    attempt: number,
    t0: number,
    span: TraceSpan,
    scopeSignal: AbortSignal | undefined,
  ) {
    this.host = host;
    this.info = info;
    this.item = item;
    this.attempt = attempt;
    this.t0 = t0;
    this.span = span;
    this.scopeSignal = scopeSignal;
    this.type = "step.pending";
    this.usage = undefined;
    this.pending = undefined;
    this.record = NO_RECORD;
    this.output = undefined;
    this.error = undefined;
    this.failure = undefined;
    this.endedAt = 0;
  }

  /** The settled attempt as the event the machine takes: itself, with its type, output or error. */
  get event(): ChainMachineEvent {
    return this as unknown as ChainMachineEvent;
  }

  /** Settles an asynchronous attempt with what its promise gave: `failed` when it rejected. */
  settled(failed: boolean, value: unknown): this {
    this.pending = undefined;
    return failed ? this.fail(value) : this.ok(value);
  }

  ok(output: unknown): this {
    const info = this.info;
    // A tier that gives no label would leave the cascade nothing to decide on: say so, not defer quietly.
    if (info.cascade !== undefined && !isLabelResult(output)) return this.fail(notALabel(info, output));
    const r = this.newRecord("done");
    noteConfidence(r, output);
    this.type = "step.done";
    this.record = r;
    this.output = output;
    return this;
  }

  fail(error: unknown): this {
    const { host, span, scopeSignal } = this;
    // A run-level abort or timeout ends the run; it is not the step's failure to retry.
    // So is the abort of the sub-flow it runs in (a parallel's sibling failed).
    if (scopeSignal?.aborted) {
      const reason = abortReason(scopeSignal, `run of ${host.chain.id}`);
      span.end({ error: reason });
      throw reason;
    }
    const err = stepFailure(this.info, error);
    host.lastError = err;
    const serialized = serializeError(err);
    const r = this.newRecord("error");
    r.error = serialized;
    this.type = "step.error";
    this.record = r;
    this.error = serialized;
    this.failure = err;
    return this;
  }

  private newRecord(status: StepRecord["status"]): StepRecord {
    const end = performance.now();
    this.endedAt = end;
    return stepRecord(this.host, this.info, status, this.t0, end, this.attempt, this.item, this.usage);
  }
}

/**
 * The record of a settled step that started at monotonic reading `t0` and ended at `end`, with
 * what it reported through `ctx.recordUsage` (copied: a step that ignored its timeout can still
 * record usage after its record was made).
 */
export function stepRecord(
  host: Pick<StepHost, "wallBase" | "monoBase">,
  info: StepInfo,
  status: StepRecord["status"],
  t0: number,
  end: number,
  attempt: number,
  item: number | undefined,
  usage: Usage | undefined,
): StepRecord {
  const r: StepRecord = {
    name: info.step.name,
    kind: info.step.kind,
    // What Date.now() would have said at the start, to within 1 ms and never later, without
    // reading a second clock.
    startedAt: host.wallBase + Math.floor(t0 - host.monoBase),
    ms: end - t0,
    status,
  };
  if (info.tier !== undefined) r.tier = info.tier;
  if (attempt > 1) r.attempt = attempt;
  if (item !== undefined) r.item = item;
  if (usage !== undefined) {
    r.usage = { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, costUsd: usage.costUsd };
    if (usage.cachedUsd !== undefined) r.usage.cachedUsd = usage.cachedUsd;
  }
  return r;
}

/** Adds what a step reported through `ctx.recordUsage` to a total (missing fields count 0). */
export function addUsage(total: Usage, u: Partial<Usage>): void {
  total.inputTokens += u.inputTokens ?? 0;
  total.outputTokens += u.outputTokens ?? 0;
  total.costUsd += u.costUsd ?? 0;
  if (u.cachedUsd !== undefined) total.cachedUsd = (total.cachedUsd ?? 0) + u.cachedUsd;
}

/** A done step's record carries its output's `confidence` when the output has a numeric one. */
export function noteConfidence(record: StepRecord, output: unknown): void {
  const confidence = (output as { confidence?: unknown } | null)?.confidence;
  if (typeof confidence === "number") record.confidence = confidence;
}

/** What a step's failure becomes: a timeout, an abort or a step error as it is, anything else wrapped. */
export function stepFailure(info: StepInfo, error: unknown): CatenaError {
  const step = info.step;
  return error instanceof TimeoutError || error instanceof AbortedError || error instanceof StepError
    ? error
    : new StepError(step.name, step.kind, error);
}

/**
 * The status a cascade tier's record ends with once the machine ruled: `done` when its answer was
 * accepted, `escalated` when the cascade went on to the next tier.
 */
export function tierStatus(
  outcome: OpenStepSpan,
  context: ChainMachineContext,
  info: StepInfo,
): StepRecord["status"] {
  if (outcome.record.status === "error") return "error";
  const answer = context.outputs[info.cascade as string] as { tier?: string; accepted?: boolean } | undefined;
  return answer?.tier === info.tier && answer?.accepted === true ? "done" : "escalated";
}

/** Wraps a step's text pieces into {@link TokenEvent}s for the run's `onToken`. */
function tokenSink(
  host: StepHost,
  info: StepInfo,
  item: number | undefined,
  attempt: number,
): (text: string, call?: number) => void {
  const onToken = host.options.onToken as (event: TokenEvent) => void;
  const step = info.step.name;
  const base: TokenEvent = {
    type: "token",
    text: "",
    step,
    path: info.cascade === undefined ? [step] : [info.cascade, step],
    runId: host.runId,
    attempt,
    call: 1,
    ...(item === undefined ? {} : { item }),
    ...(info.tier === undefined ? {} : { tier: info.tier }),
  };
  return (text, call = 1) => {
    // A listener's failure must not fail the model call that is feeding it.
    try {
      onToken({ ...base, text, call });
    } catch (error) {
      host.logger.warn(`onToken threw on a token of step "${step}"`, { error: String(error) });
    }
  };
}

function notALabel(info: StepInfo, output: unknown): Error {
  const what =
    output === null
      ? "null"
      : Array.isArray(output)
        ? "an array"
        : `${typeof output === "object" ? "an" : "a"} ${typeof output}`;
  return new Error(
    `tier "${info.step.name}" of cascade "${info.cascade}" returned ${what} without { label, confidence }; a cascade tier must return { label: string | null, confidence: number } (use a labelling step, or map the result in the step).`,
  );
}
