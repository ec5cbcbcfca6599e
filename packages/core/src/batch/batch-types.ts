import type { SerializedError } from "../errors/catena-error.ts";
import type { RunOptions } from "../runtime/run-types.ts";
import type { Usage } from "../types.ts";
import type { ResumeMismatch } from "./batch-identity.ts";
import type { BatchQueue } from "./batch-queue.ts";
import type { BatchRecord } from "./jsonl-checkpoint.ts";

/** Progress of a batch, sent once per finished item (in the event-loop turn the item ended in). */
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
  /**
   * Stop taking items before this run spends more than this many US dollars: each item to start is
   * counted at the mean cost of the items finished so far (failed items' billed answers included),
   * and so is each item in flight; the first item runs alone. A stopped batch has status `stopped`;
   * the items it did not start run on `resume`.
   */
  maxCostUsd?: number;
  /**
   * Stop taking items after this many items in a row failed with the same systemic provider
   * failure: a non-retryable 401 or 403 (the key), a 429 `insufficient_quota` (the account), a
   * non-retryable 404 (the model); never for an item's own failure (a 400 such as a prompt over
   * the context length, a schema mismatch, a refusal, a content filter). Default 5; `false` never
   * stops. The items in flight finish; the batch ends with status `stopped` and a `stopError`
   * (`BATCH_STOPPED`); the items not started are not recorded, so `resume` runs them.
   */
  stopAfterFailures?: number | false;
  onProgress?: (progress: BatchProgress) => void;
  /**
   * JSONL file that receives each result as it finishes, after a header line recording the chain
   * (name, version, fingerprint) and the input digest; with `resume`, finished items are skipped.
   * A result is queued at the end of the event-loop turn its item finished in and is in the file
   * within 50 ms of that (or 256 KiB later), and every result is in it when `runBatch` returns.
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

/** What one item's model calls spent, as its batch record has it. */
export interface BatchItemUsage {
  inputTokens: number;
  outputTokens: number;
  /** In US dollars; absent when no price is known for the models it called (see `setModelPrice`). */
  costUsd?: number;
  /**
   * What its answers from the LLM response cache would have cost uncached, in US dollars: not
   * spent, not in `costUsd` (as {@link Usage.cachedUsd}); absent when none came from the cache.
   */
  cachedUsd?: number;
}

/** One finished item. */
export interface BatchItemResult<TOutput = unknown> extends BatchRecord {
  /** The chain's name and version, on every item. */
  chain: string;
  version: string;
  runId?: string;
  ms: number;
  /**
   * The tokens (and cost) of the item's model calls, failed ones' billed answers included; absent
   * when it spent none (and in records written before results carried it).
   */
  usage?: BatchItemUsage;
  output?: TOutput;
  error?: SerializedError;
}

/** What {@link runBatch} returns. */
export interface BatchSummary<TOutput = unknown> {
  /**
   * `stopped`: `maxCostUsd` stopped it before the end (see `stoppedReason`), or a systemic
   * provider failure did (see `stopError`).
   */
  status: "done" | "aborted" | "stopped";
  /** Why the batch stopped: what the finished items cost, or the provider failure. */
  stoppedReason?: string;
  /**
   * A `BATCH_STOPPED` error when `stopAfterFailures` items in a row failed with the same systemic
   * provider failure: `details` has `cause` (`auth`, `quota`, `unknown-model`), `failures`,
   * `status`, `model` and `providerMessage`; the message says what to fix and how to resume.
   */
  stopError?: SerializedError;
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
  /**
   * The audits the batch's items started (audit sampling: `audit`, or a cascade's own), when any
   * did. Their LLM calls and cost are not in `usage`, which is what the chain's answers cost.
   */
  audits?: BatchAudits;
}

/** What a batch's audits found and spent (see {@link BatchSummary.audits}). */
export interface BatchAudits {
  /** Audits run: one call of the cascade's LLM tier each (with its own retries). */
  calls: number;
  /** The LLM tier gave the cheap tier's label, another label, or none (failed, timed out). */
  agreed: number;
  disagreed: number;
  failed: number;
  /** By cheap tier, keyed `cascade/tier` (two cascades may name a tier alike): audits and agreements. */
  byTier: Record<string, { calls: number; agreed: number }>;
  /** What the audits spent, apart from the chain's own `usage`. */
  usage: Usage;
}
