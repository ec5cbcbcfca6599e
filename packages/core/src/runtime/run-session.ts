import { randomUUID } from "node:crypto";
import type { CompiledFlow } from "../compile/compile-flow.ts";
import type { AnyChain } from "../compile/define-chain.ts";
import {
  type ChainMachineContext,
  type ChainMachineEvent,
  initialContext,
} from "../compile/machine-context.ts";
import type { MachineCursor, MachineTable } from "../compile/machine-table.ts";
import type { StateInfo } from "../compile/state-info.ts";
import { CatenaError, serializeError } from "../errors/catena-error.ts";
import { AbortedError, StepError, TimeoutError } from "../errors/errors.ts";
import type { ChainRef, Logger, RetryNode, StepContext, StepRecord, TraceSpan, Usage } from "../types.ts";
import { NEVER_ABORTED, NOOP_SPAN, STDERR_LOGGER } from "./quiet-defaults.ts";
import type { RunOptions } from "./run-types.ts";
import { abortReason, settle, sleep } from "./settle.ts";
import { xstateDriver } from "./xstate-driver.ts";

type Driver = Pick<MachineTable, "start" | "send" | "restore">;
type StepInfo = Extract<StateInfo, { kind: "step" }>;
type MapInfo = Extract<StateInfo, { kind: "map" }>;
interface StepOutcome {
  event: ChainMachineEvent;
  record: StepRecord;
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
  lastError: CatenaError | undefined;
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
    this.runId = resumed?.runId ?? options.runId ?? randomUUID();
    this.ref = { name: chain.name, version: chain.version, fingerprint: chain.fingerprint };
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
      driver = this.options.driver === "xstate" ? xstateDriver(flow) : flow.table;
      this.drivers.set(flow, driver);
    }
    return driver;
  }

  /** Walks the machine until it reaches a final state or a review; returns the cursor there. */
  async drive(driver: Driver, start: MachineCursor, item?: number): Promise<MachineCursor> {
    let cursor = start;
    while (!cursor.state.final) {
      const info = cursor.state.info;
      if (this.signal?.aborted) throw abortReason(this.signal, `run of ${this.chain.id}`);
      if (info.kind === "step") {
        let outcome = this.runStep(info, cursor.context, item);
        if (outcome instanceof Promise) outcome = await outcome;
        cursor = this.send(driver, cursor, outcome.event);
        if (info.cascade !== undefined) outcome.record.status = tierStatus(outcome, cursor.context, info);
        this.records.push(outcome.record);
      } else if (info.kind === "delay") {
        await sleep(backoffDelay(info.retry, cursor.context.attempts[info.retry.name] ?? 1), this.signal);
        cursor = this.send(driver, cursor, DELAY_DONE);
      } else if (info.kind === "map") {
        cursor = this.send(driver, cursor, await this.runMap(info, cursor.context));
      } else if (info.kind === "review") {
        return cursor;
      } else {
        throw new Error(`the runner cannot act in state "${cursor.state.key}" (${info.kind})`);
      }
    }
    return cursor;
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
  ): StepOutcome | Promise<StepOutcome> {
    const step = info.step;
    const startedAt = Date.now();
    const t0 = performance.now();
    const attempt = info.retry === undefined ? 1 : (context.attempts[info.retry] ?? 0) + 1;
    const span = this.span.active
      ? this.span.child({
          name: step.name,
          runType: runTypeOf(step.kind),
          inputs: context.data,
          metadata: { kind: step.kind, tier: info.tier, threshold: info.threshold, attempt },
        })
      : NOOP_SPAN;
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
      const r = record("done");
      const confidence = (output as { confidence?: unknown } | null)?.confidence;
      if (typeof confidence === "number") r.confidence = confidence;
      if (span.active) span.end({ outputs: output, metadata: { confidence } });
      return { event: { type: "step.done", output }, record: r };
    };
    const fail = (error: unknown): StepOutcome => {
      // A run-level abort or timeout ends the run; it is not the step's failure to retry.
      if (this.signal?.aborted) throw abortReason(this.signal, `run of ${this.chain.id}`);
      const err =
        error instanceof TimeoutError || error instanceof AbortedError || error instanceof StepError
          ? error
          : new StepError(step.name, step.kind, error);
      this.lastError = err;
      const serialized = serializeError(err);
      const r = record("error");
      r.error = serialized;
      if (span.active) span.end({ error: err });
      return { event: { type: "step.error", error: serialized }, record: r };
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

  private async runMap(info: MapInfo, context: ChainMachineContext): Promise<ChainMachineEvent> {
    const startedAt = Date.now();
    const t0 = performance.now();
    const node = info.map;
    const driver = this.driverFor(info.flow);
    let items: readonly unknown[];
    try {
      items = node.over(context.data as never, { input: context.input, outputs: context.outputs });
      if (!Array.isArray(items)) throw new TypeError(`map "${node.name}": \`over\` must return an array`);
    } catch (error) {
      return this.mapFailed(node.name, error, startedAt, t0);
    }
    const results = new Array<unknown>(items.length);
    let next = 0;
    let failure: unknown;
    const worker = async (): Promise<void> => {
      while (failure === undefined && next < items.length) {
        const i = next++;
        try {
          const start = this.start(driver, { ...initialContext(context.input), data: items[i] });
          const end = await this.drive(driver, start, i);
          const outcome = end.state.info.kind === "final" ? end.state.info.outcome : "done";
          if (outcome === "failed") failure ??= this.lastError ?? new Error(`item ${i} failed`);
          else
            results[i] =
              outcome === "deferred" ? { status: "deferred", ...end.context.deferred } : end.context.data;
        } catch (error) {
          failure ??= error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(node.concurrency, items.length) }, worker));
    if (failure !== undefined) {
      if (this.signal?.aborted) throw abortReason(this.signal, `run of ${this.chain.id}`);
      return this.mapFailed(node.name, failure, startedAt, t0);
    }
    this.records.push({
      name: node.name,
      kind: "map",
      startedAt,
      ms: performance.now() - t0,
      status: "done",
    });
    return { type: "step.done", output: results };
  }

  private mapFailed(name: string, error: unknown, startedAt: number, t0: number): ChainMachineEvent {
    const err = error instanceof StepError ? error : new StepError(name, "map", error);
    this.lastError = err;
    const serialized = serializeError(err);
    this.records.push({
      name,
      kind: "map",
      startedAt,
      ms: performance.now() - t0,
      status: "error",
      error: serialized,
    });
    return { type: "step.error", error: serialized };
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

/** The delay before retry number `retries` (1 for the first retry). */
export function backoffDelay(node: RetryNode, retries: number): number {
  const { initialMs, factor, maxMs, jitter } = node.backoff;
  const delay = Math.min(maxMs, initialMs * factor ** Math.max(0, retries - 1));
  return jitter ? Math.random() * delay : delay;
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
