import { abortReason, settle, sleep } from "../async/settle.ts";
import type { CompiledFlow } from "../compile/compiled-flow.ts";
import { isLabelResult } from "../compile/context-actions.ts";
import type { AnyChain } from "../compile/define-chain.ts";
import {
  type ChainMachineContext,
  type ChainMachineEvent,
  initialContext,
} from "../compile/machine-context.ts";
import type { StateInfo } from "../compile/state-info.ts";
import { CatenaError, serializeError } from "../errors/catena-error.ts";
import { AbortedError, StepError, TimeoutError } from "../errors/errors.ts";
import type { EffectRun, FlowEnd } from "../flows/construct.ts";
import { constructOf } from "../flows/registry.ts";
import { backoffDelay } from "../flows/retry.ts";
import { newRunId } from "../tracing/run-id.ts";
import type { ChainRef, Logger, SpanInfo, StepContext, StepRecord, TraceSpan, Usage } from "../types.ts";
import { type MachineCursor, type MachineTable, tableOf } from "./machine-table.ts";
import { NEVER_ABORTED, NOOP_SPAN, STDERR_LOGGER } from "./quiet-defaults.ts";
import type { RunOptions } from "./run-types.ts";
import type { TokenEvent } from "./token-event.ts";
import { xstateDriver } from "./xstate-driver.ts";

type Driver = Pick<MachineTable, "start" | "send" | "restore">;
type StepInfo = Extract<StateInfo, { kind: "step" }>;
type EffectInfo = Extract<StateInfo, { kind: "effect" }>;
interface StepOutcome {
  event: ChainMachineEvent;
  record: StepRecord;
  /** The step's span, still open: it ends once the machine has said whether a tier was accepted. */
  span: TraceSpan;
  output?: unknown;
  error?: CatenaError;
}
/** The span of a cascade while its tiers run: tiers nest under it. */
interface OpenCascade {
  name: string;
  span: TraceSpan;
}

const DELAY_DONE: ChainMachineEvent = { type: "delay.done" };

/**
 * The effects side of one run: it walks the chain's machine, and in each state performs the effect
 * the state names (run a step, wait out a backoff, fan out a map), then feeds the outcome back to
 * the machine as an event. It holds what a run accumulates: step records, usage, the last error.
 */
export class RunSession {
  readonly runId: string;
  readonly ref: ChainRef;
  readonly records: StepRecord[];
  readonly usage: Usage;
  readonly logger: Logger;
  readonly metadata: Record<string, unknown>;
  startedAt: number;
  span: TraceSpan = NOOP_SPAN;
  /** The tier that answered each cascade that ran, by cascade name (for traces). */
  readonly tiersUsed: Record<string, string> = {};
  /** The model of the last step with a model whose answer was used (for traces and feedback stats). */
  modelUsed: string | undefined;
  lastError: CatenaError | undefined;
  /**
   * Set when the walk stopped at an effect state because a review inside its sub-flow paused
   * (a subchain's): the state, the context there, the review, and what the construct resumes from.
   */
  pause:
    | {
        state: string;
        context: ChainMachineContext;
        review: { name: string; prompt?: string };
        nested: unknown;
      }
    | undefined;
  signal: AbortSignal | undefined;
  private readonly chain: AnyChain;
  private readonly options: RunOptions;
  private readonly drivers = new Map<CompiledFlow, Driver>();

  constructor(
    chain: AnyChain,
    options: RunOptions,
    resumed?: { runId: string; steps: StepRecord[]; usage: Usage; startedAt: number },
  ) {
    this.chain = chain;
    this.options = options;
    // UUIDv7, as LangSmith's SDK makes its run ids: time-ordered, so traces sort by start.
    this.runId = resumed?.runId ?? options.runId ?? newRunId();
    this.ref = chainRef(chain);
    this.records = resumed ? [...resumed.steps] : [];
    this.usage = resumed ? { ...resumed.usage } : { inputTokens: 0, outputTokens: 0, costUsd: 0 };
    this.startedAt = resumed?.startedAt ?? Date.now();
    this.logger = options.logger ?? STDERR_LOGGER;
    this.metadata = options.metadata ?? {};
    this.signal = options.signal;
  }

  driverFor(flow: CompiledFlow): Driver {
    let driver = this.drivers.get(flow);
    if (!driver) {
      driver = this.options.driver === "xstate" ? xstateDriver(flow) : tableOf(flow);
      this.drivers.set(flow, driver);
    }
    return driver;
  }

  /**
   * Walks the machine until it reaches a final state or a review; returns the cursor there. Step
   * spans nest under `parent` (the run's span, or a map item's), a cascade's tiers under its span.
   */
  async drive(
    driver: Driver,
    start: MachineCursor,
    item?: number,
    parent: TraceSpan = this.span,
  ): Promise<MachineCursor> {
    let cursor = start;
    let cascade: OpenCascade | undefined;
    try {
      while (!cursor.state.final) {
        const info = cursor.state.info;
        if (cascade !== undefined && (info.kind !== "step" || info.cascade !== cascade.name)) {
          cascade = this.endCascadeSpan(cascade, cursor.context);
        }
        if (this.signal?.aborted) throw abortReason(this.signal, `run of ${this.chain.id}`);
        if (info.kind === "step") {
          if (info.cascade !== undefined && cascade === undefined && parent.active) {
            cascade = {
              name: info.cascade,
              span: parent.child(cascadeSpanInfo(info.cascade, cursor.context.data)),
            };
          }
          let outcome = this.runStep(info, cursor.context, item, cascade?.span ?? parent);
          if (outcome instanceof Promise) outcome = await outcome;
          try {
            cursor = this.send(driver, cursor, outcome.event);
          } catch (error) {
            outcome.span.end({ error });
            throw error;
          }
          if (info.cascade !== undefined) outcome.record.status = tierStatus(outcome, cursor.context, info);
          this.records.push(outcome.record);
          if (outcome.record.status === "done") this.modelUsed = modelOf(info.step) ?? this.modelUsed;
          if (outcome.span.active) endStepSpan(outcome);
        } else if (info.kind === "delay") {
          await sleep(backoffDelay(info.retry, cursor.context.attempts[info.retry.name] ?? 1), this.signal);
          cursor = this.send(driver, cursor, DELAY_DONE);
        } else if (info.kind === "effect") {
          const result = await this.runEffect(info, cursor.context, item, parent);
          if (result.type === "pause") {
            this.pause = { state: cursor.state.key, context: cursor.context, ...result };
            return cursor;
          }
          cursor = this.send(driver, cursor, result);
        } else if (info.kind === "review") {
          return cursor;
        } else {
          throw new Error(`the runner cannot act in state "${cursor.state.key}" (${info.kind})`);
        }
      }
      if (cascade !== undefined) cascade = this.endCascadeSpan(cascade, cursor.context);
      return cursor;
    } catch (error) {
      cascade?.span.end({ error });
      throw error;
    }
  }

  /**
   * Ends the run's root span with how the run ended and what it cost: status, the tier each cascade
   * used (`tier` is the last one, what `catena traces` shows), tokens, cost and duration.
   */
  endRunSpan(status: string, outcome: { outputs?: unknown; error?: unknown }): void {
    if (!this.span.active) return;
    const tiers = Object.values(this.tiersUsed);
    const metadata: Record<string, unknown> = {
      status,
      ms: Date.now() - this.startedAt,
      steps: this.records.length,
      tokens_in: this.usage.inputTokens,
      tokens_out: this.usage.outputTokens,
      cost_usd: this.usage.costUsd,
    };
    if (tiers.length > 0) {
      metadata.tier = tiers[tiers.length - 1];
      metadata.tiers = { ...this.tiersUsed };
    }
    if (this.modelUsed !== undefined) metadata.model = this.modelUsed;
    this.span.end({ ...outcome, metadata });
  }

  /** Ends a cascade's span with the answer it settled on (or why it deferred); notes the tier used. */
  private endCascadeSpan(cascade: OpenCascade, context: ChainMachineContext): undefined {
    const answer = context.outputs[cascade.name] as
      | { tier?: string; accepted?: boolean; confidence?: number }
      | null
      | undefined;
    if (answer && typeof answer.tier === "string") {
      this.tiersUsed[cascade.name] = answer.tier;
      cascade.span.end({
        outputs: answer,
        metadata: { tier: answer.tier, accepted: answer.accepted === true, confidence: answer.confidence },
      });
    } else if (context.deferred?.cascade === cascade.name) {
      cascade.span.end({ outputs: { deferred: context.deferred }, metadata: { deferred: true } });
    } else {
      cascade.span.end({ outputs: { answer: answer ?? null } });
    }
    return undefined;
  }

  /** Starts a machine, turning errors thrown by guards and actions into a StepError of that state. */
  start(driver: Driver, context: ChainMachineContext): MachineCursor {
    try {
      return driver.start(context);
    } catch (error) {
      throw this.flowError(driver, error, "(start)");
    }
  }

  send(driver: Driver, cursor: MachineCursor, event: ChainMachineEvent): MachineCursor {
    try {
      return driver.send(cursor, event);
    } catch (error) {
      throw this.flowError(driver, error, cursor.state.key);
    }
  }

  private flowError(_driver: Driver, error: unknown, state: string): CatenaError {
    if (CatenaError.isInstance(error)) return error;
    const wrapped = new StepError(state, "flow", error);
    this.lastError = wrapped;
    return wrapped;
  }

  private runStep(
    info: StepInfo,
    context: ChainMachineContext,
    item: number | undefined,
    parent: TraceSpan,
  ): StepOutcome | Promise<StepOutcome> {
    const step = info.step;
    const startedAt = Date.now();
    const t0 = performance.now();
    const attempt = info.retry === undefined ? 1 : (context.attempts[info.retry] ?? 0) + 1;
    const span = parent.active ? parent.child(stepSpanInfo(info, context.data, attempt, item)) : NOOP_SPAN;
    let stepUsage: Usage | undefined;
    const timeoutMs = step.timeoutMs ?? this.options.stepTimeoutMs;
    let signal = this.signal;
    let onTimeout: (() => void) | undefined;
    if (timeoutMs !== undefined) {
      // The step gets a signal that also fires on its own timeout, so it can cancel its I/O.
      const controller = new AbortController();
      onTimeout = () =>
        controller.abort(
          new TimeoutError(`Step "${step.name}"`, timeoutMs, { details: { step: step.name } }),
        );
      signal = signal ? AbortSignal.any([signal, controller.signal]) : controller.signal;
    }
    const usage = this.usage;
    const ctx: StepContext = {
      signal: signal ?? NEVER_ABORTED,
      runId: this.runId,
      chain: this.ref,
      input: context.input,
      outputs: context.outputs,
      metadata: this.metadata,
      logger: this.logger,
      trace: span,
      attempt,
      ...(info.tier === undefined ? {} : { tier: info.tier }),
      recordUsage(u) {
        stepUsage ??= { inputTokens: 0, outputTokens: 0, costUsd: 0 };
        stepUsage.inputTokens += u.inputTokens ?? 0;
        stepUsage.outputTokens += u.outputTokens ?? 0;
        stepUsage.costUsd += u.costUsd ?? 0;
        usage.inputTokens += u.inputTokens ?? 0;
        usage.outputTokens += u.outputTokens ?? 0;
        usage.costUsd += u.costUsd ?? 0;
      },
    };
    // Set after the fact, not spread in: the common case (no listener) keeps the hot path as it was.
    if (this.options.onToken !== undefined) {
      (ctx as { onToken?: (text: string) => void }).onToken = this.tokenSink(info, item, attempt);
    }
    const record = (status: StepRecord["status"]): StepRecord => {
      const r: StepRecord = {
        name: step.name,
        kind: step.kind,
        startedAt,
        ms: performance.now() - t0,
        status,
      };
      if (info.tier !== undefined) r.tier = info.tier;
      if (attempt > 1) r.attempt = attempt;
      if (item !== undefined) r.item = item;
      if (stepUsage !== undefined) r.usage = stepUsage;
      return r;
    };
    const ok = (output: unknown): StepOutcome => {
      // A tier that gives no label would leave the cascade nothing to decide on: say so, not defer quietly.
      if (info.cascade !== undefined && !isLabelResult(output)) return fail(notALabel(info, output));
      const r = record("done");
      const confidence = (output as { confidence?: unknown } | null)?.confidence;
      if (typeof confidence === "number") r.confidence = confidence;
      return { event: { type: "step.done", output }, record: r, span, output };
    };
    const fail = (error: unknown): StepOutcome => {
      // A run-level abort or timeout ends the run; it is not the step's failure to retry.
      if (this.signal?.aborted) {
        const reason = abortReason(this.signal, `run of ${this.chain.id}`);
        span.end({ error: reason });
        throw reason;
      }
      const err =
        error instanceof TimeoutError || error instanceof AbortedError || error instanceof StepError
          ? error
          : new StepError(step.name, step.kind, error);
      this.lastError = err;
      const serialized = serializeError(err);
      const r = record("error");
      r.error = serialized;
      return { event: { type: "step.error", error: serialized }, record: r, span, error: err };
    };
    try {
      const value = settle(
        step.run(context.data as never, ctx),
        `Step "${step.name}"`,
        signal,
        timeoutMs,
        onTimeout,
      );
      return value instanceof Promise ? value.then(ok, fail) : ok(value);
    } catch (error) {
      return fail(error);
    }
  }

  /** Wraps a step's text pieces into {@link TokenEvent}s for the run's `onToken`. */
  private tokenSink(info: StepInfo, item: number | undefined, attempt: number): (text: string) => void {
    const onToken = this.options.onToken as (event: TokenEvent) => void;
    const step = info.step.name;
    const base: TokenEvent = {
      type: "token",
      text: "",
      step,
      path: info.cascade === undefined ? [step] : [info.cascade, step],
      runId: this.runId,
      attempt,
      ...(item === undefined ? {} : { item }),
      ...(info.tier === undefined ? {} : { tier: info.tier }),
    };
    return (text) => {
      // A listener's failure must not fail the model call that is feeding it.
      try {
        onToken({ ...base, text });
      } catch (error) {
        this.logger.warn(`onToken threw on a token of step "${step}"`, { error: String(error) });
      }
    };
  }

  /**
   * Continues a machine paused at a review (sends the decision) or at an effect state whose
   * sub-flow paused (its construct resumes inside). Returns the cursor to drive on from; when the
   * sub-flow paused again, the cursor stays at the effect state and `pause` is set.
   */
  async resumeAt(
    driver: Driver,
    paused: { state: string; context: unknown; nested?: unknown },
    decision: unknown,
    item: number | undefined = undefined,
    parent: TraceSpan = this.span,
  ): Promise<MachineCursor> {
    const cursor = driver.restore(paused.state, paused.context as ChainMachineContext);
    const info = cursor.state.info;
    if (info.kind !== "effect") return this.send(driver, cursor, { type: "review.decision", decision });
    const construct = constructOf(info.node);
    if (construct.resume === undefined) {
      throw new Error(`flow construct "${info.node.type}" paused but cannot resume`);
    }
    const result = await construct.resume(
      info.node,
      paused.nested,
      decision,
      this.effectRun(info, cursor.context, item, parent),
    );
    if (result.type === "pause") {
      this.pause = { state: cursor.state.key, context: cursor.context, ...result };
      return cursor;
    }
    return this.send(driver, cursor, result);
  }

  /**
   * Hands an effect state to its construct (a map's fan-out, a parallel's branches, a subchain's
   * run) with what it needs of the run; returns the event the machine takes next, or a pause.
   */
  private runEffect(
    info: EffectInfo,
    context: ChainMachineContext,
    item: number | undefined,
    parent: TraceSpan,
  ) {
    const construct = constructOf(info.node);
    if (construct.effect === undefined) {
      throw new Error(`flow construct "${info.node.type}" has effect states but no effect`);
    }
    return construct.effect(info.node, this.effectRun(info, context, item, parent));
  }

  /** What a construct's effect gets of this run. */
  effectRun(
    info: EffectInfo,
    context: ChainMachineContext,
    item: number | undefined,
    parent: TraceSpan,
  ): EffectRun {
    const flowEnd = (end: MachineCursor): FlowEnd => {
      const stateInfo = end.state.info;
      if (stateInfo.kind === "effect" && this.pause !== undefined) {
        // A review deeper down paused this sub-flow at one of its own effect states.
        const { review, nested } = this.pause;
        this.pause = undefined;
        return { status: "waiting", state: end.state.key, context: end.context, review, nested };
      }
      if (stateInfo.kind === "review") {
        return {
          status: "waiting",
          state: end.state.key,
          context: end.context,
          review: {
            name: stateInfo.review.name,
            ...(stateInfo.review.prompt === undefined ? {} : { prompt: stateInfo.review.prompt }),
          },
        };
      }
      const outcome = stateInfo.kind === "final" ? stateInfo.outcome : "done";
      if (outcome === "failed")
        return { status: "failed", error: this.lastError ?? new Error("sub-flow failed") };
      if (outcome === "deferred" && end.context.deferred)
        return { status: "deferred", deferred: end.context.deferred };
      return { status: "done", data: end.context.data };
    };
    return {
      data: context.data,
      input: context.input,
      outputs: context.outputs,
      flows: info.flows,
      span: parent,
      signal: this.signal,
      item,
      runFlow: async (flow, data, span, options = {}) => {
        const driver = this.driverFor(flow);
        const start = this.start(driver, {
          ...initialContext(options.input === undefined ? context.input : options.input),
          data,
        });
        return flowEnd(await this.drive(driver, start, options.item ?? item, span));
      },
      resumeFlow: async (flow, paused, decision, span) => {
        const driver = this.driverFor(flow);
        const cursor = await this.resumeAt(driver, paused, decision, item, span);
        if (cursor.state.info.kind === "effect" && this.pause !== undefined) return flowEnd(cursor);
        return flowEnd(await this.drive(driver, cursor, item, span));
      },
      record: (record) => {
        this.records.push(record);
      },
      recordUsage: (usage) => {
        this.usage.inputTokens += usage.inputTokens;
        this.usage.outputTokens += usage.outputTokens;
        this.usage.costUsd += usage.costUsd;
      },
      throwIfAborted: (span) => {
        if (this.signal?.aborted) {
          const reason = abortReason(this.signal, `run of ${this.chain.id}`);
          span.end({ error: reason });
          throw reason;
        }
      },
      fail: (name, kind, error, startedAt, t0, span) => {
        const err = error instanceof StepError ? error : new StepError(name, kind, error);
        this.lastError = err;
        span.end({ error: err, metadata: { status: "error" } });
        const serialized = serializeError(err);
        this.records.push({
          name,
          kind,
          startedAt,
          ms: performance.now() - t0,
          status: "error",
          error: serialized,
        });
        return { type: "step.error", error: serialized };
      },
    };
  }
}

function tierStatus(
  outcome: StepOutcome,
  context: ChainMachineContext,
  info: StepInfo,
): StepRecord["status"] {
  if (outcome.record.status === "error") return "error";
  const answer = context.outputs[info.cascade as string] as { tier?: string; accepted?: boolean } | undefined;
  return answer?.tier === info.tier && answer?.accepted === true ? "done" : "escalated";
}

/** What a step's span records when it starts: kind, tier, threshold, attempt, map item, model. */
function stepSpanInfo(info: StepInfo, data: unknown, attempt: number, item: number | undefined): SpanInfo {
  const { step } = info;
  const metadata: Record<string, unknown> = { kind: step.kind, attempt };
  if (info.cascade !== undefined) metadata.cascade = info.cascade;
  if (info.tier !== undefined) metadata.tier = info.tier;
  if (info.threshold !== undefined) metadata.threshold = info.threshold;
  if (item !== undefined) metadata.item = item;
  const model = modelOf(step);
  if (model !== undefined) metadata.model = model;
  return { name: step.name, runType: runTypeOf(step.kind), inputs: data, metadata };
}

/**
 * The chain's name, version and fingerprint, the fingerprint read only when someone reads it (a
 * result printed as JSON, a checkpoint, a trace): computing it parses every code step's source.
 */
function chainRef(chain: AnyChain): ChainRef {
  return {
    name: chain.name,
    version: chain.version,
    get fingerprint() {
      return chain.fingerprint;
    },
  };
}

/** The model id in a step's spec (`llm` steps, and any step that names one). */
function modelOf(step: StepInfo["step"]): string | undefined {
  // A code step names no model, and reading its spec would parse its source.
  if (step.kind === "code") return undefined;
  const model = (step.spec as { model?: unknown } | null)?.model;
  return typeof model === "string" ? model : undefined;
}

function cascadeSpanInfo(name: string, data: unknown): SpanInfo {
  return { name, runType: "chain", inputs: data, metadata: { kind: "cascade" } };
}

/**
 * Ends a step's span once the machine has ruled on it: outputs or error, and for cascade tiers
 * whether the answer was accepted or escalated; tokens and cost when the step used a model.
 */
function endStepSpan(outcome: StepOutcome): void {
  const { record } = outcome;
  const metadata: Record<string, unknown> = { status: record.status, ms: record.ms };
  if (record.confidence !== undefined) metadata.confidence = record.confidence;
  if (record.tier !== undefined) {
    metadata.accepted = record.status === "done";
    metadata.escalated = record.status === "escalated";
  }
  if (record.usage !== undefined) {
    metadata.tokens_in = record.usage.inputTokens;
    metadata.tokens_out = record.usage.outputTokens;
    metadata.cost_usd = record.usage.costUsd;
  }
  if (outcome.error !== undefined) outcome.span.end({ error: outcome.error, metadata });
  else outcome.span.end({ outputs: outcome.output, metadata });
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
