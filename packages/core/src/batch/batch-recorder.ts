import { performance } from "node:perf_hooks";
import type { AnyChain } from "../compile/chain.ts";
import { serializeError } from "../errors/catena-error.ts";
import type { RunResult } from "../runtime/run-types.ts";
import type { Usage } from "../types.ts";
import type { QueuedRunResult } from "./batch-queue.ts";
import type { BatchItemResult, BatchItemUsage, BatchOptions, BatchProgress } from "./batch-types.ts";
import { deferralReason } from "./deferral-reason.ts";
import type { JsonlCheckpoint } from "./jsonl-checkpoint.ts";
import { UnreadableItem } from "./unreadable-item.ts";

/** What the recorder needs to know of the batch. */
export interface RecorderSetup {
  chain: AnyChain;
  options: BatchOptions;
  checkpoint: JsonlCheckpoint | undefined;
  collect: boolean;
  /** Known when the inputs are an array or `total` was given. */
  total: number | undefined;
  startedAt: number;
}

/** Slots per finished item in the pending list: index, input, result, items in flight then. */
const STRIDE = 4;
/**
 * Items recorded at once at the latest: a batch whose steps never wait on I/O finishes items in
 * microtasks without ending the turn, and must not hold all of them until it does.
 */
const MAX_PENDING = 512;

/**
 * The bookkeeping of a batch, done off the items' critical path, as a database commits a group:
 * a worker whose item ended only hands over four values and starts its next item; once per
 * event-loop turn (`setImmediate`, after every timer and I/O callback of the turn) the items that
 * ended in it are counted, written to the checkpoint, passed to `onItem`, collected and reported
 * to `onProgress`, one call per item and in completion order, each with the counts as of that item.
 * When every item waits on I/O (an LLM call, a timer), the loop is idle for most of each turn:
 * this work then overlaps the waits instead of delaying the next item's start.
 *
 * At most 512 items wait: more are recorded at once (a batch whose steps never wait on I/O).
 * A callback's or the checkpoint's failure is kept and thrown to the workers (`throwIfFailed`);
 * `drain()` handles what is pending at once (at the end of the batch, before the checkpoint closes).
 */
export class BatchRecorder {
  readonly counts = { done: 0, failed: 0, deferred: 0, waiting: 0, skipped: 0 };
  readonly usage: Usage = { inputTokens: 0, outputTokens: 0, costUsd: 0 };
  /** Deferral reasons, counted by error code. */
  readonly deferredReasons: Record<string, number> = {};
  /** Every item's record, when the batch collects them. */
  readonly results: BatchItemResult[] = [];
  /** The first error a callback or the checkpoint threw while recording. */
  failure: unknown;
  private readonly setup: RecorderSetup;
  private readonly includeInput: boolean;
  /** Finished items not recorded yet, flat (`STRIDE` slots each): no object per item on the way. */
  private pending: unknown[] = [];
  private scheduled = false;
  /** Set when `MAX_PENDING` items ended within one turn: resolves at the next one (see {@link turnDue}). */
  private nextTurn: Promise<void> | undefined;
  private readonly onTurn = (): void => {
    this.scheduled = false;
    this.drain();
  };

  constructor(setup: RecorderSetup) {
    this.setup = setup;
    this.includeInput = setup.options.includeInput ?? true;
  }

  /**
   * Hands over an item that ended (a run's result, or an input that could not be read), with the
   * number of items still in flight at that moment; it is recorded at the end of this turn.
   */
  add(
    index: number,
    input: unknown,
    result: RunResult | QueuedRunResult | UnreadableItem,
    inFlight: number,
  ): void {
    this.pending.push(index, input, result, inFlight);
    if (this.pending.length >= MAX_PENDING * STRIDE) {
      this.drain();
      this.nextTurn ??= new Promise<void>((resolve) =>
        setImmediate(() => {
          this.nextTurn = undefined;
          resolve();
        }),
      );
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.onTurn);
    }
  }

  /** Records every item handed over so far (also called by the scheduled turn). */
  drain(): void {
    const list = this.pending;
    if (list.length === 0) return;
    this.pending = [];
    const { onProgress } = this.setup.options;
    // One clock read per turn, not per item: the items of a turn ended within it.
    const elapsedMs = onProgress === undefined ? 0 : performance.now() - this.setup.startedAt;
    for (let i = 0; i < list.length; i += STRIDE) {
      try {
        const item = this.itemOf(list[i] as number, list[i + 1], list[i + 2] as RunResult | UnreadableItem);
        this.setup.checkpoint?.append(item);
        this.setup.options.onItem?.(item);
        if (this.setup.collect) this.results.push(item);
        if (onProgress !== undefined) this.progress(onProgress, list[i + 3] as number, elapsedMs);
      } catch (error) {
        // The rest of the turn's items are still counted; the batch stops at the workers.
        if (this.failure === undefined) this.failure = error;
      }
    }
    this.setup.checkpoint?.seal();
  }

  /**
   * A promise the workers wait on before their next item when `MAX_PENDING` items ended without the
   * event loop getting a turn (steps that never wait on I/O finish in microtasks): the checkpoint's
   * writes and flush timer, timers that abort the batch and signal handlers then run, instead of
   * waiting for the end of the batch. Undefined otherwise.
   */
  turnDue(): Promise<void> | undefined {
    return this.nextTurn;
  }

  /** Throws what a callback or the checkpoint threw while recording, if anything. */
  throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** A progress event as of now, with `inFlight` items running (the end of the batch, a resume's skips). */
  progressNow(inFlight: number): void {
    const { onProgress } = this.setup.options;
    if (onProgress !== undefined)
      this.progress(onProgress, inFlight, performance.now() - this.setup.startedAt);
  }

  private progress(onProgress: (progress: BatchProgress) => void, inFlight: number, elapsedMs: number): void {
    const { counts, setup } = this;
    const finished = counts.done + counts.failed + counts.deferred + counts.waiting;
    const itemsPerSecond = elapsedMs > 0 ? (finished * 1000) / elapsedMs : 0;
    // Field by field rather than spread from `counts`: this runs once per item.
    const p: BatchProgress = {
      done: counts.done,
      failed: counts.failed,
      deferred: counts.deferred,
      waiting: counts.waiting,
      skipped: counts.skipped,
      inFlight,
      elapsedMs,
      itemsPerSecond,
    };
    if (setup.total !== undefined) {
      p.total = setup.total;
      const left = setup.total - finished - counts.skipped;
      if (itemsPerSecond > 0) p.etaMs = (left / itemsPerSecond) * 1000;
    }
    onProgress(p);
  }

  /** The item's record, counted into the totals. */
  private itemOf(
    index: number,
    input: unknown,
    result: RunResult | QueuedRunResult | UnreadableItem,
  ): BatchItemResult {
    const { chain, options } = this.setup;
    const { counts } = this;
    if (result instanceof UnreadableItem) {
      counts.failed++;
      const item: BatchItemResult = {
        index,
        chain: chain.name,
        version: chain.version,
        status: "error",
        ms: 0,
        error: serializeError(result.error),
      };
      if (options.keyOf) item.key = options.keyOf(input, index);
      return item;
    }
    const item: BatchItemResult = {
      index,
      chain: chain.name,
      version: chain.version,
      status: result.status,
      // A queued item's time is its run on the worker, as a local item's is its run here.
      ms: result.ms ?? 0,
    };
    if (result.runId !== undefined) item.runId = result.runId;
    if (options.keyOf) item.key = options.keyOf(input, index);
    if (this.includeInput) item.input = input;
    const usage = this.usage;
    const spent = result.usage;
    usage.inputTokens += spent.inputTokens;
    usage.outputTokens += spent.outputTokens;
    usage.costUsd += spent.costUsd;
    // What the answers from the LLM response cache would have cost: not spent, said apart.
    if (spent.cachedUsd !== undefined) usage.cachedUsd = (usage.cachedUsd ?? 0) + spent.cachedUsd;
    // An item answered wholly from the cache spent no tokens, yet its record says what it saved.
    const cached = spent.cachedUsd;
    if (spent.inputTokens + spent.outputTokens > 0 || (cached !== undefined && cached > 0)) {
      const recorded: BatchItemUsage = { inputTokens: spent.inputTokens, outputTokens: spent.outputTokens };
      if (spent.costUsd > 0) recorded.costUsd = spent.costUsd;
      if (cached !== undefined && cached > 0) recorded.cachedUsd = cached;
      item.usage = recorded;
    }
    if (result.status === "done") {
      counts.done++;
      item.output = result.output;
    } else if (result.status === "error") {
      counts.failed++;
      // A queue's worker sends the error serialized already.
      item.error =
        result.error instanceof Error || result.error === undefined
          ? serializeError(result.error)
          : result.error;
    } else if (result.status === "deferred") {
      counts.deferred++;
      item.deferred = result.deferred;
      const reason = deferralReason(result.deferred?.errors.at(-1)?.error);
      this.deferredReasons[reason] = (this.deferredReasons[reason] ?? 0) + 1;
    } else {
      counts.waiting++;
      item.snapshot = result.snapshot;
    }
    return item;
  }
}
