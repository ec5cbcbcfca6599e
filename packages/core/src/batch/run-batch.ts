// The module binding, not the global: `globalThis.performance` is a lazy getter in Node.
import { performance } from "node:perf_hooks";
import type { Chain } from "../compile/chain.ts";
import { AuditOptionsError } from "../errors/errors.ts";
import { unpricedBudgetReason, unpricedTokens } from "../llm/unpriced-usage.ts";
import { checkAuditOptions } from "../runtime/audit-options.ts";
import { BackgroundScope, setBackgroundScope } from "../runtime/background-runs.ts";
import { sharedRunMetadata } from "../runtime/run-metadata.ts";
import type { RunClock } from "../runtime/run-session.ts";
import type { RunOptions, RunResult } from "../runtime/run-types.ts";
import { continueRun, isRunning, startRun } from "../runtime/runner.ts";
import { auditTally } from "./audit-tally.ts";
import { checkBatchArguments } from "./batch-arguments.ts";
import { type BatchIdentity, batchIdentity } from "./batch-identity.ts";
import type { QueueBatchSpec, QueuedBatch, QueuedRunResult } from "./batch-queue.ts";
import { BatchRecorder } from "./batch-recorder.ts";
import type { BatchOptions, BatchSummary } from "./batch-types.ts";
import { inputSource } from "./input-source.ts";
import { BatchStoppedError, ProviderFailureStreak } from "./provider-failure-streak.ts";
import { queueBatchId } from "./queue-batch-id.ts";
import { rateGate } from "./rate-gate.ts";
import { UnreadableItem } from "./unreadable-item.ts";

export type {
  BatchAudits,
  BatchItemResult,
  BatchItemUsage,
  BatchOptions,
  BatchProgress,
  BatchSummary,
} from "./batch-types.ts";
export { UnreadableItem } from "./unreadable-item.ts";

/**
 * Runs a chain over many inputs with bounded concurrency and an optional rate limit, streaming
 * progress and writing results to a JSONL checkpoint as they finish. Rerun with the same checkpoint
 * and `resume: true` after a crash: finished items are skipped, so each input appears exactly once.
 * A failing item is recorded with its error and the batch goes on. `maxCostUsd` stops it before it
 * overspends.
 *
 * @example
 * const summary = await runBatch(chain, inputs, { concurrency: 16, checkpoint: "out.jsonl", resume: true,
 *   onProgress: (p) => console.log(p.done, p.etaMs) });
 */
export async function runBatch<TInput, TOutput>(
  chain: Chain<TInput, TOutput, unknown>,
  inputs: Iterable<NoInfer<TInput> | UnreadableItem> | AsyncIterable<NoInfer<TInput> | UnreadableItem>,
  options: BatchOptions = {},
): Promise<BatchSummary<TOutput>> {
  // Checked before the checkpoint or the queue is opened: a bad option must leave no results file
  // behind (a rerun would find it "already exists") and no queue connection holding the process open.
  const { concurrency, streakLimit } = checkBatchArguments(chain, inputs, options);
  checkAuditOptions(options.audit, "runBatch");
  if (options.audit !== undefined && options.queue !== undefined)
    throw new AuditOptionsError(
      "runBatch: audit does not work with a queue (its workers run the items and start no audits); leave out audit or queue.",
      { details: { option: "audit", value: "with queue" } },
    );
  const budget = options.maxCostUsd;
  // Made when a checkpoint's header or a queue's batch id needs it: its digest hashes every input.
  let identity: BatchIdentity | undefined;
  const identityOf = (): BatchIdentity => (identity ??= batchIdentity(chain, inputs, options));
  // The rate limiter and the checkpoint writer load with the first batch that needs them, not
  // with the engine: a single `catena run` needs neither. What holds nothing open comes first, so
  // that its failure leaves no results file behind.
  const gate = await rateGate(options.rate, options.signal);
  const runOptions: RunOptions = { ...options };
  // Copied, frozen and viewed once for the batch, not once per item (see sharedRunMetadata).
  if (options.metadata !== undefined) runOptions.metadata = sharedRunMetadata(options.metadata);
  // Only a queue needs an id (it names the batch's jobs): a local batch does not pay for one.
  const batchId =
    options.queue === undefined ? "" : (options.batchId ?? queueBatchId(identityOf(), options.checkpoint));
  const checkpoint = options.checkpoint
    ? await (await import("./jsonl-checkpoint.ts")).JsonlCheckpoint.open(options.checkpoint, {
        identity: identityOf(),
        resume: options.resume === true,
        retryFailed: options.retryFailed === true,
        forceResume: options.forceResume === true,
      })
    : undefined;
  const collect = options.collect ?? checkpoint === undefined;
  const startedAt = performance.now();
  const total = options.total ?? (Array.isArray(inputs) ? inputs.length : undefined);
  const recorder = new BatchRecorder({ chain, options, checkpoint, collect, total, startedAt });
  let queued: QueuedBatch | undefined;
  // Past this point the batch's own try closes the checkpoint; up to it, a failure to open the
  // queue must, or its file handle would outlive the batch.
  try {
    queued = await options.queue?.open({
      batchId,
      chain: { name: chain.name, version: chain.version, fingerprint: chain.fingerprint },
      resume: options.resume === true,
      retryFailed: options.retryFailed === true,
      run: queuedRunOptions(options),
    });
  } catch (error) {
    await checkpoint?.close();
    throw error;
  }
  let aborted = false;
  /** A queue threw for an item (not an abort): the batch rejects, and no worker takes another item. */
  let failed = false;
  let inFlight = 0;

  /** A queued item's run on the queue's workers: throws only when the batch is aborted. */
  const runQueued = async (q: QueuedBatch, index: number, input: unknown): Promise<QueuedRunResult> => {
    const t0 = performance.now();
    const result = await q.run(index, input, options.signal);
    // A queued item's time is its run on the worker when the queue says so.
    result.ms ??= performance.now() - t0;
    return result;
  };

  // Failed items in a row with the same systemic provider failure (a bad key, no quota).
  const streak = streakLimit === false ? undefined : new ProviderFailureStreak(streakLimit);
  /** The streak reached its limit: no worker takes another item. */
  let halted = false;
  /** Why, as it stood when the batch stopped (items in flight may still end either way). */
  let haltedBy: BatchStoppedError | undefined;
  let stopped = false;
  // What the items run so far cost, for the budget (the recorder counts them a turn later).
  let costed = 0;
  let spentUsd = 0;
  // Tokens spent at no known price: a budget cannot be kept over them, so the batch stops.
  let unpriced = 0;
  // Wakes the workers waiting for the first item to end (the budget's estimate needs one).
  let itemEnded: { promise: Promise<void>; resolve: () => void } | undefined;
  const firstItemEnded = async (): Promise<void> => {
    while (costed === 0 && inFlight > 0) {
      if (itemEnded === undefined) {
        let resolve = (): void => {};
        const promise = new Promise<void>((r) => {
          resolve = r;
        });
        itemEnded = { promise, resolve };
      }
      await itemEnded.promise;
    }
  };
  /**
   * Whether the next item would pass the budget, counting it and the items in flight at the mean
   * cost so far. Synchronous, and followed at once by the item's start: two workers never both
   * take the last dollar.
   */
  const overBudget = (limit: number): boolean => {
    if (stopped) return true;
    if (costed === 0 || spentUsd + (spentUsd / costed) * (inFlight + 1) <= limit) return false;
    stopped = true;
    return true;
  };

  // The batch's shadow runs and audits: awaited at its end (not another batch's), its audits bounded
  // by about the concurrency (workers wait for room) and the rate gate, counted for the summary and the budget, and none started
  // once the batch has stopped.
  const audits = auditTally();
  const scope = new BackgroundScope({
    auditLimit: concurrency,
    gate,
    stopped: () => stopped || aborted || halted || failed || options.signal?.aborted === true,
    onAudit: (a) => {
      audits.add(a);
      if (budget === undefined) return;
      spentUsd += a.usage.costUsd;
      const free = unpricedTokens(a.usage);
      if (free > 0) {
        unpriced += free;
        stopped = true;
      }
    },
  });
  setBackgroundScope(runOptions, scope);

  const finishedSet = checkpoint?.finished;
  let source: ReturnType<typeof inputSource>;
  try {
    // Asks the inputs for their iterator: a reader of the caller's may throw here already.
    source = inputSource(
      inputs,
      finishedSet && finishedSet.size > 0 ? (i) => finishedSet.has(i) : undefined,
      options.signal,
    );
  } catch (error) {
    await checkpoint?.close();
    await queued?.close({ complete: false });
    throw error;
  }
  // An item's run may start on the clock readings that ended the worker's previous one when only
  // synchronous bookkeeping of ours came between: no caller's code (an array's items), no wait.
  const handsOff = source.plain && gate === undefined && queued === undefined;
  // A pool of workers pulling from the source: no queue between reading and running, and an async
  // source is read only as fast as items finish.
  const worker = async (): Promise<void> => {
    /** The end of this worker's previous item, while `fresh`: the next run's start. */
    const clock: RunClock = { wall: 0, mono: 0 };
    let fresh = false;
    for (;;) {
      const turn = recorder.turnDue();
      if (turn) {
        fresh = false;
        await turn;
      }
      recorder.throwIfFailed();
      // Another worker's queue failed (the batch is rejecting), or the provider fails every item.
      if (failed || halted) return;
      if (options.signal?.aborted) {
        aborted = true;
        return;
      }
      // Audits past the bound hold the worker (not the audits): they never pile up.
      const room = scope.roomForAudits();
      if (room) {
        fresh = false;
        await room;
        continue; // the batch may have stopped meanwhile: checked again
      }
      let next = source.next();
      if (next instanceof Promise) next = await next;
      if (next === undefined) {
        // The source stops early, not at the end, when the batch is aborted while skipping.
        if (options.signal?.aborted) aborted = true;
        return;
      }
      // Taken out at once: an array source refills one item object per read, and the waits below
      // (rate slot, first item's cost) let other workers read before this one runs.
      const { index, value } = next;
      if (gate) {
        try {
          await gate();
        } catch {
          aborted = true; // the wait for a rate slot was aborted
          return;
        }
        if (halted) return; // stopped while waiting: a resume runs the item
      }
      // The critical path of an item, inline (no async frame of its own): run it, hand the result
      // to the recorder, take the next one.
      if (value instanceof UnreadableItem) {
        recorder.add(index, value, value, inFlight);
        continue;
      }
      if (budget !== undefined) {
        // An item taken but not started is not in the checkpoint: a resume runs it.
        if (costed === 0 && inFlight > 0) await firstItemEnded();
        if (overBudget(budget)) return;
      }
      inFlight++;
      let result: RunResult | QueuedRunResult;
      try {
        if (queued) result = await runQueued(queued, index, value);
        else {
          // The run's walk is awaited here, step by step: this frame is the run's, so the next
          // item starts in the same microtask as this one's last step ends.
          let started = startRun(chain, value, runOptions, fresh ? clock : undefined);
          fresh = false;
          while (isRunning(started)) {
            let rejected = false;
            let settled: unknown;
            try {
              settled = await started.pending;
            } catch (error) {
              rejected = true;
              settled = error;
            }
            started = continueRun(started, rejected, settled);
          }
          if (started instanceof Promise) result = await started;
          else {
            result = started;
            if (handsOff) {
              // The `Date.now()` its `ms` was taken from (`ms` is that minus `startedAt`), then the
              // monotonic clock: the wall clock first, as a run reads them.
              clock.wall = started.startedAt + started.ms;
              clock.mono = performance.now();
              fresh = true;
            }
          }
        }
      } catch (error) {
        // Only a queue throws (a run returns failures): an abort leaves the item for a resume.
        if (options.signal?.aborted) {
          aborted = true;
          return;
        }
        failed = true; // the other workers stop taking items: no runs after the batch rejects
        throw error;
      } finally {
        inFlight--;
        // The waiter resumes after this item's cost is counted (below, in this same turn).
        itemEnded?.resolve();
        itemEnded = undefined;
      }
      if (options.signal?.aborted) {
        aborted = true;
        return; // not recorded: the item runs again on resume
      }
      if (budget !== undefined) {
        costed++;
        spentUsd += result.usage.costUsd;
        const free = unpricedTokens(result.usage);
        if (free > 0) {
          unpriced += free;
          stopped = true;
        }
      }
      if (streak !== undefined) {
        if (result.status !== "error") {
          if (streak.count > 0) streak.reset();
        } else if (streak.fail(result.error) && !halted && streak.last !== undefined) {
          halted = true;
          haltedBy = new BatchStoppedError(streak.last, streak.count);
        }
      }
      recorder.add(index, value, result, inFlight);
    }
  };
  /** Every worker came to the end of the source: nothing aborted, stopped or threw. */
  let ranOut = false;
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
    ranOut = !aborted && !stopped && !failed && !halted;
    // Shadow runs and audits end within their own timeout; their traces are sent only if they end
    // first. Only this batch's: another batch's (or a lone run's) may outlive it.
    await scope.settle();
  } finally {
    // Every finished item is recorded before the checkpoint closes.
    recorder.drain();
    // The checkpoint first: a queue drops the items it handed over once they are on disk.
    await checkpoint?.close();
    await queued?.close({ complete: ranOut });
  }
  recorder.throwIfFailed();
  const { counts } = recorder;
  const index = source.read();
  counts.skipped = source.skipped();
  if (counts.skipped > 0) recorder.progressNow(inFlight);
  recorder.throwIfFailed();
  const ms = performance.now() - startedAt;
  const ran = counts.done + counts.failed + counts.deferred + counts.waiting;
  const summary: BatchSummary = {
    // Items dropped from the queue by an abort never ran: the batch is incomplete.
    status: aborted
      ? "aborted"
      : stopped || halted
        ? "stopped"
        : ran + counts.skipped < index
          ? "aborted"
          : "done",
    total: index,
    ...counts,
    ms,
    itemsPerSecond: ms > 0 ? (ran * 1000) / ms : 0,
    usage: recorder.usage,
    deferredReasons: recorder.deferredReasons,
  };
  if (haltedBy !== undefined && !aborted) {
    summary.stopError = haltedBy.toJSON();
    summary.stoppedReason = haltedBy.message;
  } else if (stopped) {
    // Said once the items in flight have ended: what the budget was spent on.
    summary.stoppedReason =
      unpriced > 0
        ? unpricedBudgetReason(budget ?? 0, unpriced)
        : `a budget of ${budget} USD: ${costed} ${costed === 1 ? "item" : "items"} cost ${spentUsd.toFixed(4)} USD; the next would pass the budget`;
  }
  if (collect) summary.results = recorder.results.sort((a, b) => a.index - b.index);
  if (checkpoint) summary.checkpoint = checkpoint.path;
  if (queued) summary.batchId = batchId;
  if (audits.summary.calls > 0) summary.audits = audits.summary;
  if (checkpoint && checkpoint.mismatches.length > 0)
    summary.forcedResume = { mismatches: [...checkpoint.mismatches] };
  // The results are the chain's validated outputs.
  return summary as BatchSummary<TOutput>;
}

/** The run options a queue's worker applies to each item: the plain-JSON ones. */
function queuedRunOptions(options: BatchOptions): QueueBatchSpecRun {
  const out: QueueBatchSpecRun = {};
  if (options.timeoutMs !== undefined) out.timeoutMs = options.timeoutMs;
  if (options.stepTimeoutMs !== undefined) out.stepTimeoutMs = options.stepTimeoutMs;
  if (options.metadata !== undefined) out.metadata = options.metadata;
  return out;
}

type QueueBatchSpecRun = QueueBatchSpec["run"];
