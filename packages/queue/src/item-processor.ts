import type { QueuedRunResult } from "@catena/core";
import { type AnyChain, type RunOptions, retryableByDefault, run } from "@catena/core";
import { type Job, UnrecoverableError } from "bullmq";
import type { Redis } from "ioredis";
import { countFinished, countRetry } from "./batch-counts.ts";
import { failureReason, queuedResult } from "./job-outcome.ts";
import { batchKey, type ItemJobData, jobLockKey, removedKey } from "./queue-layout.ts";
import type { QueueWorkerOptions } from "./queue-worker-options.ts";

/** What the worker reads of the items it runs, kept up to date by {@link itemProcessor}. */
export interface ItemRuns {
  /** Items finished here (any status). */
  finished: number;
  /**
   * The items whose chain runs here, by lock token (unique to each taking of a job: a worker that
   * lost an item may take the same job again while the old run is still stopping): stopping one
   * ends its run (its lock went to another worker).
   */
  readonly taken: Map<string, RunningItem>;
}

/** An item whose chain runs here. */
export interface RunningItem {
  /** The item's BullMQ job id. */
  jobId: string;
  /** This worker's token in the item's lock (BullMQ's `<worker id>:<n>`) while it holds it. */
  token: string;
  /** Aborts the run's signal: the run ends at once, and is neither counted nor stored. */
  stop: AbortController;
}

/**
 * The BullMQ processor of a worker: runs an item with core's `run`, with the chain it was submitted
 * with, and counts it in its batch; refuses (fails at once, without retries) the items of a
 * cancelled or removed batch and of a chain this worker does not have, or has another version of.
 * See `startWorker` for what is retried.
 */
export function itemProcessor(
  connection: Redis,
  queueName: string,
  options: Pick<QueueWorkerOptions, "chains" | "tracer" | "onRefuse">,
  runs: ItemRuns,
): (job: Job<ItemJobData>) => Promise<QueuedRunResult> {
  const refused = new Set<string>();
  const stopped = new Map<string, { at: number; value: BatchStop }>();

  /** Whether a batch was cancelled or removed; asked at most once a second per batch. */
  const stopOf = async (batchId: string): Promise<BatchStop> => {
    const cached = stopped.get(batchId);
    if (cached && Date.now() - cached.at < 1000) return cached.value;
    const [cancelled, removed] = await Promise.all([
      connection.hexists(batchKey(queueName, batchId), "cancelled"),
      connection.exists(removedKey(queueName, batchId)),
    ]);
    const value: BatchStop = removed === 1 ? "removed" : cancelled === 1 ? "cancelled" : undefined;
    stopped.set(batchId, { at: Date.now(), value });
    return value;
  };
  const refuse = async (job: Job<ItemJobData>, code: string, message: string): Promise<never> => {
    const said = `${job.data.batchId}|${code}`;
    if (!refused.has(said)) {
      refused.add(said);
      options.onRefuse?.(message);
    }
    await countFinished(connection, queueName, job.data, lockOf(job), "refused", { code, message });
    // Unrecoverable: no retries, the job goes to the failed set and the submitter records why.
    throw new UnrecoverableError(failureReason(code, message));
  };

  /** The job's lock key and this worker's token in it. */
  const lockOf = (job: Job<ItemJobData>): { key: string; token: string } => ({
    key: jobLockKey(queueName, job.id ?? ""),
    token: job.token ?? "",
  });

  return async (job) => {
    const data = job.data;
    const id = job.id ?? "";
    const lock = lockOf(job);
    const { name, version, fingerprint } = data.chain;
    const stop = await stopOf(data.batchId);
    if (stop === "removed") {
      return refuse(job, "QUEUE_BATCH_REMOVED", `Batch ${data.batchId} was removed.`);
    }
    if (stop === "cancelled") {
      return refuse(job, "QUEUE_BATCH_CANCELLED", `Batch ${data.batchId} was cancelled.`);
    }
    const chain: AnyChain | undefined = options.chains.find(`${name}@${version}`);
    if (!chain) {
      return refuse(
        job,
        "QUEUE_CHAIN_UNKNOWN",
        `This worker does not know chain ${name}@${version} (batch ${data.batchId}); start it with the module that defines it (--chains <module>).`,
      );
    }
    if (chain.fingerprint !== fingerprint) {
      return refuse(
        job,
        "QUEUE_CHAIN_MISMATCH",
        `Chain ${name}@${version} here has fingerprint ${chain.fingerprint}, but batch ${data.batchId} was submitted with ${fingerprint}: this worker runs other code than the submitter. Deploy the same chain code to the workers, then resume the batch with --retry-failed.`,
      );
    }
    const runOptions: RunOptions = {
      ...data.run,
      metadata: { ...data.run.metadata, batchId: data.batchId, batchIndex: data.index },
    };
    if (options.tracer) runOptions.tracer = options.tracer;
    const taken = new AbortController();
    runOptions.signal = taken.signal;
    const item: RunningItem = { jobId: id, token: lock.token, stop: taken };
    runs.taken.set(lock.token, item);
    const result = await run(chain, data.input, runOptions).finally(() => {
      runs.taken.delete(lock.token);
    });
    // Its lock was freed (this worker's connection was gone long enough to count as dead) and the
    // item runs on another worker: that one records it; counting it here too would count it twice.
    if (taken.signal.aborted) throw taken.signal.reason;
    // Only what may pass is retried, as by a retry(): bad input, a refusal, a provider's 401 or
    // exhausted quota fail the same way every time (see retryableByDefault).
    const retryable = result.status === "error" && retryableByDefault(result.error.toJSON());
    if (retryable && job.attemptsMade + 1 < (job.opts.attempts ?? 1)) {
      // Counted only while holding the lock, as a finish is: lost, the other worker counts its own.
      if ((await countRetry(connection, queueName, data, lock)) === "lock-lost") throw lostItemError(id);
      throw result.error; // BullMQ runs it again after the backoff
    }
    const failure =
      result.status === "error" ? { code: result.error.code, message: result.error.message } : undefined;
    // Not counted when the batch has no record (removed while this item ran): see the worker's `drop`.
    // The lock is read in the count's own script: lost since the last check, it is not counted.
    if ((await countFinished(connection, queueName, data, lock, result.status, failure)) === "lock-lost") {
      throw lostItemError(id);
    }
    runs.finished++;
    return queuedResult(result);
  };
}

/** Why the run of an item whose lock went to another worker was stopped here. */
export function lostItemError(jobId: string): Error {
  return new Error(
    `lost item ${jobId} to another worker (this worker's connection to Redis was gone too long); stopped it here`,
  );
}

/** A batch's stop a worker heeds: cancelled (`catena queue cancel`), removed, or none. */
type BatchStop = "cancelled" | "removed" | undefined;
