import { abortReason } from "../async/settle.ts";
import type { AnyChain } from "../compile/chain.ts";
import type { CompiledFlow } from "../compile/compiled-flow.ts";
import { type ChainMachineContext, initialContext } from "../compile/machine-context.ts";
import type { StateInfo } from "../compile/state-info.ts";
import { type CatenaError, serializeError } from "../errors/catena-error.ts";
import { StepError } from "../errors/errors.ts";
import type { EffectRun, FlowEnd } from "../flows/construct.ts";
import type { ChainRef, StepRecord, TraceSpan, Usage } from "../types.ts";
import { chainRef } from "./chain-ref.ts";
import type { MachineCursor, MachineTable } from "./machine-table.ts";
import { addUsage } from "./run-step.ts";

/** How a run drives a machine: the shared table, or an xstate actor. */
export type Driver = Pick<MachineTable, "start" | "send" | "restore">;

/** A state whose effect a flow construct performs (map, parallel, subchain). */
export type EffectInfo = Extract<StateInfo, { kind: "effect" }>;

/**
 * Where a walk stopped at an effect state because a review inside its sub-flow paused (a
 * subchain's): the state, the context there, the review, and what the construct resumes from.
 */
export interface RunPause {
  state: string;
  context: ChainMachineContext;
  review: { name: string; prompt?: string };
  nested: unknown;
}

/** What of a run a construct's effect works through (the run session). */
export interface EffectHost {
  readonly chain: AnyChain;
  readonly records: StepRecord[];
  readonly usage: Usage;
  lastError: CatenaError | undefined;
  pause: RunPause | undefined;
  driverFor(flow: CompiledFlow): Driver;
  start(driver: Driver, context: ChainMachineContext): MachineCursor;
  drive(
    driver: Driver,
    start: MachineCursor,
    item?: number,
    parent?: TraceSpan,
    ref?: ChainRef,
    signal?: AbortSignal,
  ): Promise<MachineCursor>;
  resumeAt(
    driver: Driver,
    paused: { state: string; context: unknown; nested?: unknown },
    decision: unknown,
    item?: number,
    parent?: TraceSpan,
    ref?: ChainRef,
    signal?: AbortSignal,
  ): Promise<MachineCursor>;
}

/**
 * What a construct's effect gets of a run: the state's data and sub-flows, and ways to run a
 * sub-flow (its steps nested under `parent`), record steps and usage, and fail a step.
 */
export function effectRun(
  run: EffectHost,
  info: EffectInfo,
  context: ChainMachineContext,
  item: number | undefined,
  parent: TraceSpan,
  ref: ChainRef,
  signal: AbortSignal | undefined,
): EffectRun {
  const flowEnd = (end: MachineCursor): FlowEnd => {
    const stateInfo = end.state.info;
    if (stateInfo.kind === "effect" && run.pause !== undefined) {
      // A review deeper down paused this sub-flow at one of its own effect states.
      const { review, nested } = run.pause;
      run.pause = undefined;
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
      return { status: "failed", error: run.lastError ?? new Error("sub-flow failed") };
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
    signal,
    item,
    runFlow: async (flow, data, span, options = {}) => {
      const driver = run.driverFor(flow);
      const start = run.start(driver, {
        ...initialContext(options.input === undefined ? context.input : options.input),
        data,
      });
      // A subchain's steps see their own chain in `ctx.chain`; other sub-flows, this one's.
      const flowRef = options.chain === undefined ? ref : chainRef(options.chain);
      const flowSignal = options.signal ?? signal;
      return flowEnd(await run.drive(driver, start, options.item ?? item, span, flowRef, flowSignal));
    },
    resumeFlow: async (flow, paused, decision, span, options = {}) => {
      const driver = run.driverFor(flow);
      const flowRef = options.chain === undefined ? ref : chainRef(options.chain);
      const cursor = await run.resumeAt(driver, paused, decision, item, span, flowRef, signal);
      if (cursor.state.info.kind === "effect" && run.pause !== undefined) return flowEnd(cursor);
      return flowEnd(await run.drive(driver, cursor, item, span, flowRef, signal));
    },
    record: (record) => {
      run.records.push(record);
    },
    recordUsage: (usage) => {
      addUsage(run.usage, usage);
    },
    throwIfAborted: (span) => {
      if (signal?.aborted) {
        const reason = abortReason(signal, `run of ${run.chain.id}`);
        span.end({ error: reason });
        throw reason;
      }
    },
    fail: (name, kind, error, startedAt, t0, span) => {
      const err = error instanceof StepError ? error : new StepError(name, kind, error);
      run.lastError = err;
      span.end({ error: err, metadata: { status: "error" } });
      const serialized = serializeError(err);
      run.records.push({
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
