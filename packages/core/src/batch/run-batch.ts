import type { AnyChain, Chain } from "../compile/define-chain.ts";
import { CatenaError, type SerializedError, serializeError } from "../errors/catena-error.ts";
import type { RunOptions, RunResult } from "../runtime/run-types.ts";
import { run } from "../runtime/runner.ts";
import { settleShadows } from "../runtime/shadow-run.ts";
import type { Usage } from "../types.ts";
import { type BatchIdentity, digestOfArray, type ResumeMismatch } from "./batch-identity.ts";
import type { BatchQueue, QueueBatchSpec, QueuedBatch, QueuedRunResult } from "./batch-queue.ts";
import { deferralReason } from "./deferral-reason.ts";
import type { BatchRecord } from "./jsonl-checkpoint.ts";
import { queueBatchId } from "./queue-batch-id.ts";

/** An input that could not even be read (e.g. a malformed JSONL line); it is recorded as failed. */
export class UnreadableItem {
  readonly error: CatenaError;
  constructor(error: CatenaError) {
    this.error = error;
  }
}

/** Progress of a batch, sent after every finished item. */
export interface BatchProgress {
  done: number;
  failed: number;
  deferred: number;
  /** Items paused at a review. */
  waiting: number;
  /** Items found finished in the checkpoint and not run again. */
  skipped: number;
  inFlight: number;
  /** Known when the inputs are an array or `total` was given. */
  total?: number;
  elapsedMs: number;
  itemsPerSecond: number;
  etaMs?: number;
}

/** Options of {@link runBatch}. */
export interface BatchOptions extends Omit<RunOptions, "runId"> {
  /** Items in flight at once (default 8). */
  concurrency?: number;
  /** At most this many item starts per second, or per minute (one of the two). */
  rate?: { perSecond?: number; perMinute?: number };
  onProgress?: (progress: BatchProgress) => void;
  /**
   * JSONL file that receives each result as it finishes, after a header line recording the chain
   * (name, version, fingerprint) and the input digest; with `resume`, finished items are skipped.
   */
  checkpoint?: string;
  /**
   * Continue an existing checkpoint. It is refused with a `BatchResumeError` (`BATCH_RESUME_MISMATCH`)
   * when its header names another chain, version, fingerprint or input digest, or when it has no header.
   */
  resume?: boolean;
  /** On resume, run failed items again. */
  retryFailed?: boolean;
  /** Resume even a checkpoint written for another chain, version, fingerprint or input (or without a header). */
  forceResume?: boolean;
  /**
   * A digest of the whole input (e.g. `sha256:<hex>` of the input file), recorded in the checkpoint
   * and compared on resume. Array inputs get a digest of their JSON when this is not given; other
   * iterables are not checked without it.
   */
  inputDigest?: string;
  /** Where the input came from (e.g. its path), recorded next to the digest for messages. */
  inputSource?: string;
  /** Number of inputs, for ETA when the inputs are an async iterable. */
  total?: number;
  /** Write each item's input next to its result (default true). */
  includeInput?: boolean;
  /** A stable key per item, written into its record (e.g. the input file's line number). */
  keyOf?: (input: unknown, index: number) => string;
  /** Called with each finished item's record, in completion order. */
  onItem?: (item: BatchItemResult) => void;
  /** Keep every result in memory and return them in the summary (default: only without a checkpoint). */
  collect?: boolean;
  /**
   * Run the items on a queue's workers instead of in this process (e.g. `redisQueue(url)` from
   * `@catena/queue`); `concurrency` is then how many items wait on the queue at once.
   */
  queue?: BatchQueue;
  /**
   * The batch's id on the queue (default: derived from the chain, the input digest and the
   * checkpoint path, so that a resumed batch finds its items again).
   */
  batchId?: string;
}

/** One finished item. */
export interface BatchItemResult<TOutput = unknown> extends BatchRecord {
  /** The chain's name and version, on every item. */
  chain: string;
  version: string;
  runId?: string;
  ms: number;
  output?: TOutput;
  error?: SerializedError;
}

/** What {@link runBatch} returns. */
export interface BatchSummary<TOutput = unknown> {
  status: "done" | "aborted";
  total: number;
  done: number;
  failed: number;
  deferred: number;
  waiting: number;
  skipped: number;
  ms: number;
  itemsPerSecond: number;
  usage: Usage;
  /** Deferral reasons, counted by error code of the tier that gave up (or "low-confidence"). */
  deferredReasons: Record<string, number>;
  results?: BatchItemResult<TOutput>[];
  checkpoint?: string;
  /** How the checkpoint differed from this batch when `forceResume` resumed it anyway. */
  forcedResume?: { mismatches: ResumeMismatch[] };
  /** The batch's id on the queue, when it ran on one. */
  batchId?: string;
}

/**
 * Runs a chain over many inputs with bounded concurrency and an optional rate limit, streaming
 * progress and writing results to a JSONL checkpoint as they finish. Rerun with the same checkpoint
 * and `resume: true` after a crash: finished items are skipped, so each input appears exactly once.
 * A failing item is recorded with its error and the batch goes on.
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
  const concurrency = options.concurrency ?? 8;
  if (options.rate?.perSecond !== undefined && options.rate.perMinute !== undefined) {
    throw new CatenaError("BATCH_INPUT", "Give the rate per second or per minute, not both.", {
      details: { rate: options.rate },
    });
  }
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new CatenaError("BATCH_INPUT", `concurrency must be a whole number >= 1, got ${concurrency}.`);
  }
  // Made when a checkpoint's header or a queue's batch id needs it: its digest hashes every input.
  let identity: BatchIdentity | undefined;
  const identityOf = (): BatchIdentity => (identity ??= batchIdentity(chain, inputs, options));
  // The checkpoint writer and the rate limiter load with the first batch that needs them, not
  // with the engine: a single `catena run` needs neither.
  const checkpoint = options.checkpoint
    ? await (await import("./jsonl-checkpoint.ts")).JsonlCheckpoint.open(options.checkpoint, {
        identity: identityOf(),
        resume: options.resume === true,
        retryFailed: options.retryFailed === true,
        forceResume: options.forceResume === true,
      })
    : undefined;
  const collect = options.collect ?? checkpoint === undefined;
  const includeInput = options.includeInput ?? true;
  const results: BatchItemResult[] = [];
  const gate = await rateGate(options.rate, options.signal);
  const startedAt = performance.now();
  const total = options.total ?? (Array.isArray(inputs) ? inputs.length : undefined);
  const counts = { done: 0, failed: 0, deferred: 0, waiting: 0, skipped: 0 };
  const usage: Usage = { inputTokens: 0, outputTokens: 0, costUsd: 0 };
  const deferredReasons: Record<string, number> = {};
  const runOptions: RunOptions = { ...options };
  let aborted = false;
  let inFlight = 0;
  // Only a queue needs an id (it names the batch's jobs): a local batch does not pay for one.
  const batchId =
    options.queue === undefined ? "" : (options.batchId ?? queueBatchId(identityOf(), options.checkpoint));
  let queued: QueuedBatch | undefined;
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

  const progress = (): void => {
    if (!options.onProgress) return;
    const elapsedMs = performance.now() - startedAt;
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
    if (total !== undefined) {
      p.total = total;
      const left = total - finished - counts.skipped;
      if (itemsPerSecond > 0) p.etaMs = (left / itemsPerSecond) * 1000;
    }
    options.onProgress(p);
  };

  const record = (item: BatchItemResult): void => {
    checkpoint?.append(item);
    options.onItem?.(item);
    if (collect) results.push(item);
    progress();
  };

  const runItem = async (index: number, input: unknown): Promise<void> => {
    if (input instanceof UnreadableItem) {
      counts.failed++;
      const item: BatchItemResult = {
        index,
        chain: chain.name,
        version: chain.version,
        status: "error",
        ms: 0,
        error: serializeError(input.error),
      };
      if (options.keyOf) item.key = options.keyOf(input, index);
      record(item);
      return;
    }
    // Only a queued item needs the clock here: a local run reports its own time.
    const t0 = queued ? performance.now() : 0;
    inFlight++;
    let result: RunResult | QueuedRunResult;
    try {
      result = queued
        ? await queued.run(index, input, options.signal)
        : await run(chain, input as TInput, runOptions);
    } catch (error) {
      // Only a queue throws (`run` returns failures): an abort leaves the item for a resume.
      if (options.signal?.aborted) {
        aborted = true;
        return;
      }
      throw error;
    } finally {
      inFlight--;
    }
    if (options.signal?.aborted) {
      aborted = true;
      return; // not recorded: the item runs again on resume
    }
    const item: BatchItemResult = {
      index,
      chain: chain.name,
      version: chain.version,
      status: result.status,
      // A queued item's time is its run on the worker, as a local item's is its run here.
      ms: result.ms ?? performance.now() - t0,
    };
    if (result.runId !== undefined) item.runId = result.runId;
    if (includeInput) item.input = input;
    usage.inputTokens += result.usage.inputTokens;
    usage.outputTokens += result.usage.outputTokens;
    usage.costUsd += result.usage.costUsd;
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
      deferredReasons[reason] = (deferredReasons[reason] ?? 0) + 1;
    } else {
      counts.waiting++;
      item.snapshot = result.snapshot;
    }
    record(item);
  };

  const finishedSet = checkpoint?.finished;
  const source = inputSource(
    inputs,
    finishedSet && finishedSet.size > 0 ? (i) => finishedSet.has(i) : undefined,
    options.signal,
  );
  // A pool of workers pulling from the source: no queue between reading and running, and an async
  // source is read only as fast as items finish.
  const worker = async (): Promise<void> => {
    for (;;) {
      if (options.signal?.aborted) {
        aborted = true;
        return;
      }
      let next = source.next();
      if (next instanceof Promise) next = await next;
      if (next === undefined) {
        // The source stops early, not at the end, when the batch is aborted while skipping.
        if (options.signal?.aborted) aborted = true;
        return;
      }
      if (gate) {
        try {
          await gate();
        } catch {
          aborted = true; // the wait for a rate slot was aborted
          return;
        }
      }
      await runItem(next.index, next.value);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
    // Shadow runs end within their own timeout; their traces are sent only if they end first.
    if (options.shadow) await settleShadows();
  } finally {
    // The checkpoint first: a queue drops the items it handed over once they are on disk.
    await checkpoint?.close();
    await queued?.close();
  }
  const index = source.read();
  counts.skipped = source.skipped();
  if (counts.skipped > 0) progress();
  const ms = performance.now() - startedAt;
  const ran = counts.done + counts.failed + counts.deferred + counts.waiting;
  const summary: BatchSummary = {
    // Items dropped from the queue by an abort never ran: the batch is incomplete.
    status: aborted || ran + counts.skipped < index ? "aborted" : "done",
    total: index,
    ...counts,
    ms,
    itemsPerSecond: ms > 0 ? (ran * 1000) / ms : 0,
    usage,
    deferredReasons,
  };
  if (collect) summary.results = results.sort((a, b) => a.index - b.index);
  if (checkpoint) summary.checkpoint = checkpoint.path;
  if (queued) summary.batchId = batchId;
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

/** What the checkpoint records about this batch, and checks on resume. */
function batchIdentity(
  chain: AnyChain,
  inputs: Iterable<unknown> | AsyncIterable<unknown>,
  options: BatchOptions,
): BatchIdentity {
  const identity: BatchIdentity = {
    chain: chain.name,
    version: chain.version,
    fingerprint: chain.fingerprint,
  };
  const digest = options.inputDigest ?? (Array.isArray(inputs) ? digestOfArray(inputs) : undefined);
  if (digest !== undefined) identity.inputDigest = digest;
  if (options.inputSource !== undefined) identity.inputSource = options.inputSource;
  return identity;
}

interface SourceItem {
  index: number;
  value: unknown;
}

/**
 * Reads inputs one at a time, synchronously for arrays and iterables, serialised for async ones.
 * Items `isFinished` (already in the checkpoint) are passed over inside the source, in one loop per
 * run of them, rather than each going back through a worker: a resume mostly skips.
 */
function inputSource(
  inputs: Iterable<unknown> | AsyncIterable<unknown>,
  isFinished: ((index: number) => boolean) | undefined,
  signal: AbortSignal | undefined,
): {
  next(): SourceItem | undefined | Promise<SourceItem | undefined>;
  /** How many inputs were read. */
  read(): number;
  /** How many inputs were passed over as finished. */
  skipped(): number;
} {
  let index = 0;
  let skipped = 0;
  const skip = (): boolean => {
    if (isFinished === undefined || !isFinished(index)) return false;
    index++;
    skipped++;
    return true;
  };
  if (Array.isArray(inputs)) {
    const list: readonly unknown[] = inputs;
    return {
      next() {
        while (index < list.length && skip()) if (signal?.aborted) return undefined;
        return index < list.length ? { index, value: list[index++] } : undefined;
      },
      read: () => index,
      skipped: () => skipped,
    };
  }
  if (Symbol.iterator in inputs) {
    const it = inputs[Symbol.iterator]();
    return {
      next() {
        for (;;) {
          const r = it.next();
          if (r.done) return undefined;
          if (!skip()) return { index: index++, value: r.value };
          if (signal?.aborted) return undefined;
        }
      },
      read: () => index,
      skipped: () => skipped,
    };
  }
  const it = inputs[Symbol.asyncIterator]();
  let done = false;
  let tail: Promise<SourceItem | undefined> = Promise.resolve(undefined);
  return {
    next() {
      // Workers ask concurrently; an async iterator is only asked once the previous answer is in.
      tail = tail.then(async () => {
        for (;;) {
          if (done) return undefined;
          const r = await it.next();
          if (r.done) {
            done = true;
            return undefined;
          }
          if (!skip()) return { index: index++, value: r.value };
          if (signal?.aborted) return undefined;
        }
      });
      return tail;
    },
    read: () => index,
    skipped: () => skipped,
  };
}

/** Waits for a start slot under the rate limit; undefined when there is no limit. */
async function rateGate(
  rate: BatchOptions["rate"],
  signal: AbortSignal | undefined,
): Promise<(() => Promise<void>) | undefined> {
  if (!rate || (rate.perSecond === undefined && rate.perMinute === undefined)) return undefined;
  const { default: PQueue } = await import("p-queue");
  const window =
    rate.perSecond !== undefined
      ? { interval: 1000, intervalCap: rate.perSecond }
      : { interval: 60_000, intervalCap: rate.perMinute as number };
  const queue = new PQueue(window);
  return () => queue.add(() => undefined, signal ? { signal } : {});
}
