// The module binding, not the global: `globalThis.performance` is a lazy getter in Node.
import { performance } from "node:perf_hooks";
import { abortReason, isThenable, settle } from "../async/settle.ts";
import type { AnyChain } from "../compile/chain.ts";
import { type CatenaError, serializeError } from "../errors/catena-error.ts";
import { newRunId } from "../ids/run-id.ts";
import type { ChainRef, Logger, StepContext, StepRecord, TraceSpan, Usage } from "../types.ts";
import { chainRef } from "./chain-ref.ts";
import { NEVER_ABORTED, NOOP_SPAN, STDERR_LOGGER } from "./quiet-defaults.ts";
import { ClockedRun, type RunClock } from "./run-clock.ts";
import { metadataView, runMetadata } from "./run-metadata.ts";
import { addUsage, noteConfidence, type StepInfo, stepFailure, stepRecord } from "./run-step.ts";
import type { RunOptions } from "./run-types.ts";

/**
 * Whether a run with these options may go straight down its chain's line (`LineRun`): nothing
 * that a walk does per step besides running it and minding the run's signal (no span, timeout,
 * token listener, shadow run, or the xstate driver, whose actor is the walk's).
 */
export function runsStraight(options: RunOptions): boolean {
  return (
    options.tracer === undefined &&
    options.timeoutMs === undefined &&
    options.stepTimeoutMs === undefined &&
    options.onToken === undefined &&
    options.shadow === undefined &&
    options.driver !== "xstate"
  );
}

/**
 * A fresh run of a chain that is a plain sequence of steps (`straight-line.ts`), run straight down
 * its steps: no machine table, cursor or walk, and one object per run for what a walk keeps per
 * step (the attempt). Such a machine can only go one way (each step's output becomes the next one's
 * input, an error ends the run), so what the run gives is what a walk gives: the same step
 * contexts, records, usage, errors and result (the differential test runs chains both ways).
 * Only runs without per-step extras take it (`runsStraight`); the others walk the table.
 *
 * Like a {@link Walk}: `advance` runs steps until one must be awaited (its promise in `pending`),
 * and the caller hands what that gave to `resume`; the run's result is made by the runner.
 */
export class LineRun extends ClockedRun {
  readonly chain: AnyChain;
  readonly runId: string;
  readonly ref: ChainRef;
  readonly records: StepRecord[];
  readonly usage: Usage;
  readonly startedAt: number;
  /** A straight run is never traced (`runsStraight`): its span records nothing. */
  readonly span: TraceSpan;
  lastError: CatenaError | undefined;
  /** The step being awaited's promise, while `advance` returned true. */
  pending: Promise<unknown> | undefined;
  /** The value flowing down the line: the input, then each step's output. */
  data: unknown;
  /** The step error that ended the run, if one did. */
  failure: CatenaError | undefined;
  /** What the steps see as `ctx.metadata`: the read-only view of the run's metadata, as a session's. */
  private readonly stepMetadata: Readonly<Record<string, unknown>>;
  private readonly logger: Logger;
  private readonly signal: AbortSignal | undefined;
  private readonly line: readonly StepInfo[];
  private input: unknown;
  /** The outputs so far, by step name: what each step's `ctx.outputs` shows. */
  private readonly outputs: Record<string, unknown>;
  /** The step running (or next to run). */
  private index: number;
  /**
   * The monotonic reading the step running started at: for the first, read once the input was
   * checked; for the others, the previous step's end (only this class's synchronous bookkeeping
   * comes between, sub-microsecond: a read per step would cost more than it corrects).
   */
  private t0: number;
  /** What the step running reported through `ctx.recordUsage`, once it did. */
  private stepUsage: Usage | undefined;

  /** A run of `chain` as {@link RunSession} starts one (its clock, id and defaults), not begun yet. */
  constructor(chain: AnyChain, options: RunOptions, line: readonly StepInfo[], clock: RunClock | undefined) {
    super(clock);
    this.chain = chain;
    this.ref = chainRef(chain);
    this.records = [];
    this.usage = { inputTokens: 0, outputTokens: 0, costUsd: 0 };
    this.startedAt = this.wallBase;
    this.runId = options.runId ?? newRunId(this.startedAt);
    this.logger = options.logger ?? STDERR_LOGGER;
    this.stepMetadata = metadataView(runMetadata(options.metadata));
    this.signal = options.signal;
    this.span = NOOP_SPAN;
    this.lastError = undefined;
    this.line = line;
    this.input = undefined;
    this.data = undefined;
    this.outputs = {};
    this.pending = undefined;
    this.failure = undefined;
    this.index = 0;
    this.t0 = this.monoBase;
    this.stepUsage = undefined;
  }

  /** Sets the run's (parsed) input, before the first `advance`. */
  begin(input: unknown): void {
    this.input = input;
    this.data = input;
    // The first step starts now, not at the run's start: checking the input is not its time.
    this.t0 = performance.now();
  }

  /** Never called: a straight run has no span to end (its result is made as a session's is). */
  endRunSpan(): void {}

  /**
   * Runs steps until one must be awaited (true: await `pending`, then `resume`) or the run ended
   * (false: `failure` says how).
   */
  advance(): boolean {
    const line = this.line;
    const signal = this.signal;
    while (this.index < line.length && this.failure === undefined) {
      // As a walk does before each state: an aborted run ends (the caller makes its result).
      if (signal?.aborted) throw abortReason(signal, `run of ${this.chain.id}`);
      const info = line[this.index] as StepInfo;
      let value: unknown;
      try {
        const result = info.step.run(this.data as never, this.context());
        // The step's promise races the run's signal, as `runStep` has it.
        value = signal === undefined ? result : settle(result, `Step "${info.step.name}"`, signal, undefined);
        // Inside the try, as in `runStep`: an output whose `then` or `confidence` getter throws is
        // this step's failure, with its record, not the runner's.
        if (value instanceof Promise) {
          this.pending = value;
          return true;
        }
        if (isThenable(value)) {
          // Another library's thenable: adopted into a promise, so its value is the output, not it.
          this.pending = Promise.resolve(value);
          return true;
        }
        this.ok(info, value);
      } catch (error) {
        this.fail(info, error);
        return false;
      }
    }
    return false;
  }

  /** Takes what the awaited step's promise gave (`failed` when it rejected); `advance` goes on. */
  resume(failed: boolean, value: unknown): void {
    this.pending = undefined;
    const info = this.line[this.index] as StepInfo;
    if (failed) this.fail(info, value);
    else this.ok(info, value);
  }

  /** The context of the step at `index`, in the shape `runStep` gives (see `stepContext`). */
  private context(): StepContext {
    const run = this;
    const index = this.index;
    const usage = this.usage;
    return {
      signal: this.signal ?? NEVER_ABORTED,
      runId: this.runId,
      chain: this.ref,
      input: this.input,
      outputs: this.outputs,
      metadata: this.stepMetadata,
      logger: this.logger,
      trace: NOOP_SPAN,
      attempt: 1,
      recordUsage(u) {
        // Into the step's record only while it runs; into the run's usage always, as a walk does.
        if (index === run.index) {
          run.stepUsage ??= { inputTokens: 0, outputTokens: 0, costUsd: 0 };
          addUsage(run.stepUsage, u);
        }
        addUsage(usage, u);
      },
    };
  }

  private ok(info: StepInfo, output: unknown): void {
    const end = performance.now();
    const r = stepRecord(this, info, "done", this.t0, end, 1, undefined, this.stepUsage);
    noteConfidence(r, output);
    this.outputs[info.step.name] = output;
    this.data = output;
    this.records.push(r);
    this.next(end);
  }

  private fail(info: StepInfo, error: unknown): void {
    // An abort of the run ends it, as in `StepAttempt.fail`: not the step's failure.
    if (this.signal?.aborted) throw abortReason(this.signal, `run of ${this.chain.id}`);
    const err = stepFailure(info, error);
    this.lastError = err;
    const end = performance.now();
    const r = stepRecord(this, info, "error", this.t0, end, 1, undefined, this.stepUsage);
    r.error = serializeError(err);
    this.records.push(r);
    this.failure = err;
    this.next(end);
  }

  /** On to the next step, which starts at this one's end reading (only synchronous work since). */
  private next(end: number): void {
    this.index++;
    this.t0 = end;
    this.stepUsage = undefined;
  }
}
