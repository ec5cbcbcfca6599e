import { abortReason, sleep } from "../async/settle.ts";
import type { ChainMachineContext, ChainMachineEvent } from "../compile/machine-context.ts";
import type { EffectResult } from "../flows/construct.ts";
import { backoffDelay } from "../flows/retry.ts";
import type { ChainRef, TraceSpan } from "../types.ts";
import type { MachineCursor } from "./machine-table.ts";
import type { Driver, EffectInfo, RunPause } from "./run-effect.ts";
import { runStep, type StepAttempt, type StepHost, type StepInfo } from "./run-step.ts";
import { cascadeSpanInfo, endCascadeSpan, type OpenCascade } from "./run-trace.ts";

/** What a walk needs of its run (the run session): a step's host, and the machine's moves. */
export interface WalkHost extends StepHost {
  readonly tiersUsed: Record<string, string>;
  pause: RunPause | undefined;
  /** Feeds a settled step's outcome to the machine and records it; the cursor after it. */
  stepped(driver: Driver, cursor: MachineCursor, info: StepInfo, outcome: StepAttempt): MachineCursor;
  send(driver: Driver, cursor: MachineCursor, event: ChainMachineEvent): MachineCursor;
  /** Hands an effect state to its construct: the event the machine takes next, or a pause. */
  runEffect(
    info: EffectInfo,
    context: ChainMachineContext,
    item: number | undefined,
    parent: TraceSpan,
    ref: ChainRef,
    signal: AbortSignal | undefined,
  ): Promise<EffectResult>;
}

const DELAY_DONE: ChainMachineEvent = { type: "delay.done" };

/** What a walk waits on: nothing, a step's promise, a retry's backoff, or a construct's effect. */
const NOTHING = 0;
const STEP = 1;
const DELAY = 2;
const EFFECT = 3;

/**
 * A walk along a run's machine (or a sub-flow's), as an object rather than an async function:
 * `advance` performs each state's effect (run a step, wait out a backoff, hand an effect state to
 * its construct) until the walk must wait, and the caller awaits `pending` and hands what it gave to
 * `resume`. Whoever drives the walk owns the one async frame: `RunSession.drive` for sub-flows and
 * awaited runs, `run` for a fresh run, and a batch's worker for its items, which then need no frame
 * (and microtask turn) of the run's own between one item's end and the next one's start.
 */
export class Walk<Host extends WalkHost = WalkHost> {
  readonly session: Host;
  /** Where the walk is; where it stopped once `advance` returns false. */
  cursor: MachineCursor;
  /** What the walk waits on while `advance` returned true. */
  pending: Promise<unknown> | undefined;
  private readonly driver: Driver;
  private readonly item: number | undefined;
  private readonly parent: TraceSpan;
  private readonly ref: ChainRef;
  private readonly signal: AbortSignal | undefined;
  private cascade: OpenCascade | undefined;
  /**
   * The last clock reading, while only synchronous machine work happened since: the next step
   * starts at it. Not across an await, a span's bookkeeping or a shadow run's start.
   */
  private now: number | undefined;
  private waiting: number;
  private outcome: StepAttempt | undefined;
  /** Set when a construct's effect paused (a review inside a subchain): the walk stops there. */
  private paused: boolean;

  constructor(
    session: Host,
    driver: Driver,
    start: MachineCursor,
    item: number | undefined,
    parent: TraceSpan,
    ref: ChainRef,
    signal: AbortSignal | undefined,
    now: number | undefined,
  ) {
    this.session = session;
    this.driver = driver;
    this.cursor = start;
    this.item = item;
    this.parent = parent;
    this.ref = ref;
    this.signal = signal;
    this.now = now;
    this.pending = undefined;
    this.cascade = undefined;
    this.waiting = NOTHING;
    this.outcome = undefined;
    this.paused = false;
  }

  /**
   * Walks on until the walk must wait (true: await `pending`, then `resume`) or it stopped at a
   * final state, a review or a construct's pause (false: `cursor` says where). Throws what the walk
   * throws; the caller then calls `abandon`.
   */
  advance(): boolean {
    if (this.paused) return false;
    const session = this.session;
    let cursor = this.cursor;
    while (!cursor.state.final) {
      const info = cursor.state.info;
      if (this.cascade !== undefined && (info.kind !== "step" || info.cascade !== this.cascade.name)) {
        this.cascade = endCascadeSpan(this.cascade, cursor.context, session.tiersUsed);
      }
      if (this.signal?.aborted) throw abortReason(this.signal, `run of ${session.chain.id}`);
      if (info.kind === "step") {
        if (info.cascade !== undefined && this.cascade === undefined && this.parent.active) {
          this.cascade = {
            name: info.cascade,
            span: this.parent.child(cascadeSpanInfo(info.cascade, cursor.context.data)),
          };
        }
        const outcome = runStep(
          session,
          info,
          cursor.context,
          this.item,
          this.cascade?.span ?? this.parent,
          this.ref,
          this.signal,
          this.now,
        );
        if (outcome.pending !== undefined) return this.wait(cursor, STEP, outcome.pending, outcome);
        cursor = this.stepped(cursor, info, outcome);
      } else if (info.kind === "delay") {
        this.now = undefined;
        const attempts = cursor.context.attempts[info.retry.name] ?? 1;
        return this.wait(cursor, DELAY, sleep(backoffDelay(info.retry, attempts), this.signal), undefined);
      } else if (info.kind === "effect") {
        this.now = undefined;
        const effect = session.runEffect(info, cursor.context, this.item, this.parent, this.ref, this.signal);
        return this.wait(cursor, EFFECT, effect, undefined);
      } else if (info.kind === "review") {
        this.cursor = cursor;
        return false;
      } else {
        throw new Error(`the runner cannot act in state "${cursor.state.key}" (${info.kind})`);
      }
    }
    // (No cascade is open where the walk stops: a cascade holds only steps.)
    if (this.cascade !== undefined)
      this.cascade = endCascadeSpan(this.cascade, cursor.context, session.tiersUsed);
    this.cursor = cursor;
    return false;
  }

  /** Takes what `pending` gave (`failed` when it rejected); `advance` goes on from there. */
  resume(failed: boolean, value: unknown): void {
    const waiting = this.waiting;
    const cursor = this.cursor;
    this.waiting = NOTHING;
    this.pending = undefined;
    if (waiting === STEP) {
      const outcome = this.outcome as StepAttempt;
      this.outcome = undefined;
      outcome.settled(failed, value);
      this.cursor = this.stepped(cursor, cursor.state.info as StepInfo, outcome);
      return;
    }
    if (failed) throw value;
    if (waiting === DELAY) {
      this.cursor = this.session.send(this.driver, cursor, DELAY_DONE);
      return;
    }
    const result = value as EffectResult;
    if (result.type === "pause") {
      this.session.pause = { state: cursor.state.key, context: cursor.context, ...result };
      this.paused = true;
      return;
    }
    this.cursor = this.session.send(this.driver, cursor, result);
  }

  /** Ends what the walk holds open (a cascade's span) when it throws. */
  abandon(error: unknown): void {
    this.cascade?.span.end({ error });
    this.cascade = undefined;
  }

  private wait(
    cursor: MachineCursor,
    waiting: number,
    pending: Promise<unknown>,
    outcome: StepAttempt | undefined,
  ): true {
    this.cursor = cursor;
    this.waiting = waiting;
    this.pending = pending;
    this.outcome = outcome;
    return true;
  }

  private stepped(cursor: MachineCursor, info: StepInfo, outcome: StepAttempt): MachineCursor {
    const next = this.session.stepped(this.driver, cursor, info, outcome);
    this.now = outcome.span.active ? undefined : outcome.endedAt;
    return next;
  }
}
