import type { AnyChain } from "../compile/chain.ts";
import type { CompiledFlow } from "../compile/compiled-flow.ts";
import type { ChainMachineContext, ChainMachineEvent } from "../compile/machine-context.ts";
import { CatenaError } from "../errors/catena-error.ts";
import { StepError } from "../errors/errors.ts";
import { constructOf } from "../flows/registry.ts";
import { newRunId } from "../ids/run-id.ts";
import type { ChainRef, LabelResult, Logger, StepRecord, TraceSpan, Usage } from "../types.ts";
import type { AuditCandidate } from "./audit-candidate.ts";
import { chainRef } from "./chain-ref.ts";
import { type MachineCursor, tableOf } from "./machine-table.ts";
import { NOOP_SPAN, STDERR_LOGGER } from "./quiet-defaults.ts";
import { ClockedRun, type RunClock } from "./run-clock.ts";
import { type Driver, type EffectHost, type EffectInfo, effectRun, type RunPause } from "./run-effect.ts";
import { metadataView, runMetadata } from "./run-metadata.ts";
import { type StepAttempt, type StepInfo, tierStatus } from "./run-step.ts";
import { endRunSpan, endStepSpan, modelOf, type RunTotals } from "./run-trace.ts";
import type { RunOptions } from "./run-types.ts";
import { Walk, type WalkHost } from "./run-walk.ts";
import { xstateDriver } from "./xstate-driver.ts";

export type { RunClock } from "./run-clock.ts";

/**
 * The effects side of one run: it walks the chain's machine, and in each state performs the effect
 * the state names (run a step, wait out a backoff, hand an effect state to its construct), then
 * feeds the outcome back to the machine as an event. It holds what a run accumulates: step records,
 * usage, the last error. Running one step is `run-step.ts`; opening and ending spans `run-trace.ts`.
 */
export class RunSession extends ClockedRun implements WalkHost, RunTotals, EffectHost {
  readonly runId: string;
  readonly ref: ChainRef;
  readonly records: StepRecord[];
  readonly usage: Usage;
  readonly logger: Logger;
  readonly metadata: Record<string, unknown>;
  readonly stepMetadata: Readonly<Record<string, unknown>>;
  startedAt: number;
  span: TraceSpan = NOOP_SPAN;
  /** The tier that answered each cascade that ran, by cascade name (for traces; made when read). */
  get tiersUsed(): Record<string, string> {
    this.tiers ??= {};
    return this.tiers;
  }
  private tiers: Record<string, string> | undefined;
  /** The model of the last step with a model whose answer was used (for traces and feedback stats). */
  modelUsed: string | undefined;
  lastError: CatenaError | undefined;
  /**
   * Set when the walk stopped at an effect state because a review inside its sub-flow paused
   * (a subchain's): the state, the context there, the review, and what the construct resumes from.
   */
  pause: RunPause | undefined;
  signal: AbortSignal | undefined;
  readonly chain: AnyChain;
  readonly options: RunOptions;
  /** Cheap tiers' accepted answers the run may audit once it ends (see `audit`). */
  audits: AuditCandidate[] | undefined;
  /** xstate drivers of this run, by flow (the table driver is shared: `tableOf` keeps one per flow). */
  private actors: Map<CompiledFlow, Driver> | undefined;

  constructor(
    chain: AnyChain,
    options: RunOptions,
    resumed?: { runId: string; steps: StepRecord[]; usage: Usage; startedAt: number },
    clock?: RunClock,
  ) {
    super(clock);
    this.chain = chain;
    this.options = options;
    this.ref = chainRef(chain);
    this.records = resumed ? [...resumed.steps] : [];
    this.usage = resumed ? { ...resumed.usage } : { inputTokens: 0, outputTokens: 0, costUsd: 0 };
    // UUIDv7, as LangSmith's SDK makes its run ids: time-ordered, so traces sort by start. Its
    // time is the run's start, read once by the clock.
    this.runId = resumed?.runId ?? options.runId ?? newRunId(this.wallBase);
    this.startedAt = resumed?.startedAt ?? this.wallBase;
    this.logger = options.logger ?? STDERR_LOGGER;
    this.metadata = runMetadata(options.metadata);
    this.stepMetadata = metadataView(this.metadata);
    this.signal = options.signal;
  }

  driverFor(flow: CompiledFlow): Driver {
    if (this.options.driver !== "xstate") return tableOf(flow);
    this.actors ??= new Map();
    let driver = this.actors.get(flow);
    if (!driver) {
      driver = xstateDriver(flow);
      this.actors.set(flow, driver);
    }
    return driver;
  }

  /**
   * Walks the machine until it reaches a final state or a review; returns the cursor there. Step
   * spans nest under `parent` (the run's span, or a map item's), a cascade's tiers under its span.
   * The walk itself is a {@link Walk}; this is its async frame, for sub-flows and awaited runs.
   */
  async drive(
    driver: Driver,
    start: MachineCursor,
    item?: number,
    parent: TraceSpan = this.span,
    ref: ChainRef = this.ref,
    signal: AbortSignal | undefined = this.signal,
  ): Promise<MachineCursor> {
    const walk = new Walk(this, driver, start, item, parent, ref, signal, undefined);
    try {
      while (walk.advance()) {
        let failed = false;
        let value: unknown;
        try {
          value = await walk.pending;
        } catch (error) {
          failed = true;
          value = error;
        }
        walk.resume(failed, value);
      }
      return walk.cursor;
    } catch (error) {
      walk.abandon(error);
      throw error;
    }
  }

  /**
   * A walk of the run's own machine from `start`, for a caller that awaits it itself (`run`, a
   * batch's worker). Its first step reads the clock when it starts: the input's check and the
   * machine's start are not its time.
   */
  walk(driver: Driver, start: MachineCursor): Walk<RunSession> {
    return new Walk(this, driver, start, undefined, this.span, this.ref, this.signal, undefined);
  }

  /**
   * Feeds a settled step's outcome to the machine and records it; returns the cursor after it.
   */
  stepped(driver: Driver, cursor: MachineCursor, info: StepInfo, outcome: StepAttempt): MachineCursor {
    let next: MachineCursor;
    // What the tier was given, read before the machine takes its answer (which replaces it).
    const given = info.audit === undefined ? undefined : cursor.context.data;
    try {
      next = this.send(driver, cursor, outcome.event);
    } catch (error) {
      outcome.span.end({ error });
      throw error;
    }
    const record = outcome.record;
    if (info.cascade !== undefined) {
      record.status = tierStatus(outcome, next.context, info);
      if (record.status === "done" && info.audit !== undefined) this.audit(info, given, outcome);
    }
    this.records.push(record);
    if (record.status === "done") this.modelUsed = modelOf(info.step) ?? this.modelUsed;
    if (outcome.span.active) endStepSpan(outcome);
    return next;
  }

  /**
   * A cheap tier's answer was accepted: it may be audited by the cascade's LLM tier, on the input
   * the tier was given (the context before its answer), once the run has ended (the runner starts
   * the audits, `audit-run.ts`).
   */
  private audit(info: StepInfo, given: unknown, outcome: StepAttempt): void {
    const audit = info.audit as NonNullable<StepInfo["audit"]>;
    if (audit.defaults === undefined && this.options.audit === undefined) return;
    // A shadow run's answers are a candidate's, not served: they are not audited.
    if (this.options.metadata?.shadow === true) return;
    this.audits ??= [];
    this.audits.push({
      chain: this.chain,
      runId: this.runId,
      cascade: info.cascade as string,
      tier: info.tier ?? info.step.name,
      threshold: info.threshold ?? 0,
      input: given,
      answer: outcome.output as LabelResult & { label: string },
      audit,
      options: this.options,
    });
  }

  /** Ends the run's root span with how the run ended and what it cost (`run-trace.ts`). */
  endRunSpan(status: string, outcome: { outputs?: unknown; error?: unknown }): void {
    endRunSpan(this, status, outcome);
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
    ref: ChainRef = this.ref,
    signal: AbortSignal | undefined = this.signal,
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
      effectRun(this, info, cursor.context, item, parent, ref, signal),
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
  runEffect(
    info: EffectInfo,
    context: ChainMachineContext,
    item: number | undefined,
    parent: TraceSpan,
    ref: ChainRef,
    signal: AbortSignal | undefined,
  ) {
    const construct = constructOf(info.node);
    if (construct.effect === undefined) {
      throw new Error(`flow construct "${info.node.type}" has effect states but no effect`);
    }
    return construct.effect(info.node, effectRun(this, info, context, item, parent, ref, signal));
  }
}
