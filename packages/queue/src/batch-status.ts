import { Queue } from "bullmq";
import { QueueError } from "./queue-error.ts";
import {
  batchKey,
  batchKeys,
  DEFAULT_QUEUE_NAME,
  failuresKey,
  type ItemJobData,
  KEY_PREFIX,
  REMOVED_MARK_MS,
  removedKey,
} from "./queue-layout.ts";
import { reachRedis, redisConnection } from "./redis-connection.ts";

/** One recent failure of a batch. */
export interface BatchFailure {
  index: number;
  code: string;
  message: string;
  /** Epoch milliseconds. */
  at: number;
}

/** What {@link batchStatus} reports. */
export interface BatchStatus {
  batchId: string;
  chain: string;
  version: string;
  fingerprint: string;
  /** Epoch milliseconds of the first submission. */
  createdAt: number;
  /** Items finished by the workers, by status; `refused` counts items workers would not run. */
  counts: {
    done: number;
    failed: number;
    deferred: number;
    waiting: number;
    refused: number;
    retries: number;
  };
  /** Finished items per second, between the first and the latest finish. */
  itemsPerSecond: number;
  cancelled: boolean;
  /**
   * Where the batch is: `running` (a submitter runs it, or died running it), `cancelled`
   * (`catena queue cancel`), `stopped` (its submitter stopped before the end: its budget, an
   * abort, a failure; resume it) or `finished` (every item ran).
   */
  state: "running" | "cancelled" | "stopped" | "finished";
  /**
   * Epoch milliseconds when Redis drops the batch's counts (`keepFinishedMs` after a batch ran to
   * its end, `keepStoppedMs` after one stopped early or was cancelled), or `null` while they are
   * kept: the batch runs, or its submitter died. A resume clears it; `removeBatch` drops them now.
   */
  expiresAt: number | null;
  /** The latest failures, newest first. */
  recentFailures: BatchFailure[];
  /** The whole queue's jobs (every batch on it), by BullMQ state. */
  queue: Record<string, number>;
}

/** Options of {@link batchStatus}, {@link cancelBatch} and {@link removeBatch}. */
export interface BatchLookupOptions {
  queueName?: string;
}

/** The counts, rate and latest failures of a batch submitted to the queue at `url`. */
export async function batchStatus(
  url: string,
  batchId: string,
  options: BatchLookupOptions = {},
): Promise<BatchStatus> {
  return withQueue(url, options, async ({ queueName, connection, queue }) => {
    const record = await batchRecord(connection, queueName, batchId);
    const [failures, ttl] = await Promise.all([
      connection.lrange(failuresKey(queueName, batchId), 0, -1),
      connection.pttl(batchKey(queueName, batchId)),
    ]);
    const n = (field: string): number => Number(record[field] ?? 0);
    const counts = {
      done: n("done"),
      failed: n("error"),
      deferred: n("deferred"),
      waiting: n("waiting"),
      refused: n("refused"),
      retries: n("retries"),
    };
    const finished = counts.done + counts.failed + counts.deferred + counts.waiting + counts.refused;
    const span = (n("lastFinishedAt") - n("firstFinishedAt")) / 1000;
    return {
      batchId,
      chain: record.chain ?? "",
      version: record.version ?? "",
      fingerprint: record.fingerprint ?? "",
      createdAt: n("createdAt"),
      counts,
      itemsPerSecond: span > 0 ? finished / span : 0,
      cancelled: record.cancelled !== undefined,
      state:
        record.cancelled !== undefined
          ? "cancelled"
          : record.closed === "finished"
            ? "finished"
            : record.closed === "stopped"
              ? "stopped"
              : "running",
      expiresAt: ttl >= 0 ? Date.now() + ttl : null,
      recentFailures: failures.map((f) => JSON.parse(f) as BatchFailure),
      queue: await queue.getJobCounts("waiting", "active", "delayed", "prioritized", "completed", "failed"),
    };
  });
}

/**
 * Cancels a batch: workers refuse its items from now on (`QUEUE_BATCH_CANCELLED`), its items still
 * waiting are removed from the queue, and its submitter stops. Items already running finish.
 * Submitting the batch again with `--resume` reopens it. Resolves with how many items were removed.
 */
export async function cancelBatch(
  url: string,
  batchId: string,
  options: BatchLookupOptions = {},
): Promise<number> {
  return withQueue(url, options, async ({ queueName, connection, queue }) => {
    await batchRecord(connection, queueName, batchId);
    const marked = await connection.eval(
      MARK_CANCELLED,
      2,
      batchKey(queueName, batchId),
      removedKey(queueName, batchId),
      String(Date.now()),
    );
    // Removed between the look-up and the mark: the batch is gone, as a look-up now would say.
    if (marked === 0) await batchRecord(connection, queueName, batchId);
    return removeJobs(queue, batchId, ["waiting", "delayed", "prioritized", "paused"]);
  });
}

/**
 * Marks a batch cancelled only while its record is there and no removal has begun, in one script: a
 * look-up and a write apart let `catena queue remove --force` delete the record in between, and the
 * write brought back a record with no chain and no expiry, which no command could remove.
 */
const MARK_CANCELLED = `
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'cancelled', ARGV[1])
return 1
`;

/** Options of {@link removeBatch}. */
export interface RemoveBatchOptions extends BatchLookupOptions {
  /**
   * Removes a batch that still has items waiting or running and was not cancelled first: its
   * submitter, if one runs, stops with `QUEUE_BATCH_REMOVED`, and items already running finish
   * uncounted.
   */
  force?: boolean;
}

/**
 * Removes a batch from the queue at `url`: its jobs in every state but running (waiting, delayed,
 * completed, failed), and its record, latest failures and item bitmaps; a submitter still running
 * stops (`QUEUE_BATCH_REMOVED`) instead of adding its items again. A batch with items waiting or
 * running is refused (`QUEUE_BATCH_RUNNING`) unless it was cancelled first or `force` is set: its
 * items would otherwise run on without a record to count them in. A finished or stopped batch needs
 * no removal to free Redis in the end, its keys expire (see `keepFinishedMs` and `keepStoppedMs` of
 * `redisQueue`). Resolves with how
 * many jobs were removed.
 */
export async function removeBatch(
  url: string,
  batchId: string,
  options: RemoveBatchOptions = {},
): Promise<number> {
  return withQueue(url, options, async ({ queueName, connection, queue }) => {
    const record = await batchRecord(connection, queueName, batchId);
    if (record.cancelled === undefined && options.force !== true) {
      const unfinished = await batchJobIds(queue, batchId, [
        "waiting",
        "active",
        "delayed",
        "prioritized",
        "paused",
      ]);
      if (unfinished.length > 0) {
        throw new QueueError(
          "QUEUE_BATCH_RUNNING",
          `Batch ${batchId} on queue ${queueName} still has ${unfinished.length === 1 ? "1 item" : `${unfinished.length} items`} waiting or running; cancel it first with \`catena queue cancel ${batchId}\` (cancelBatch), or pass --force (force: true) to remove it anyway: its submitter then stops and items already running finish uncounted.`,
          { details: { batchId, queueName, unfinished: unfinished.length } },
        );
      }
    }
    // The mark first: a submitter sweeping between the two steps stops rather than re-adding.
    await connection.set(removedKey(queueName, batchId), String(Date.now()), "PX", REMOVED_MARK_MS);
    const removed = await removeJobs(queue, batchId, [
      "waiting",
      "delayed",
      "prioritized",
      "paused",
      "completed",
      "failed",
    ]);
    await connection.del(...batchKeys(queueName, batchId));
    return removed;
  });
}

/** Runs `use` with a connection to the Redis at `url` and its BullMQ queue, both closed after. */
async function withQueue<T>(
  url: string,
  options: BatchLookupOptions,
  use: (open: {
    queueName: string;
    connection: ReturnType<typeof redisConnection>;
    queue: Queue<ItemJobData>;
  }) => Promise<T>,
): Promise<T> {
  const queueName = options.queueName ?? DEFAULT_QUEUE_NAME;
  const connection = redisConnection(url);
  await reachRedis(connection, url);
  const queue = new Queue<ItemJobData>(queueName, { connection, prefix: KEY_PREFIX });
  try {
    return await use({ queueName, connection, queue });
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

type JobState = "waiting" | "active" | "delayed" | "prioritized" | "paused" | "completed" | "failed";

/** The ids of a batch's jobs that are in one of `states`. */
async function batchJobIds(
  queue: Queue<ItemJobData>,
  batchId: string,
  states: readonly JobState[],
): Promise<string[]> {
  const ids: string[] = [];
  const page = 1000;
  for (let start = 0; ; start += page) {
    const jobs = await queue.getJobs([...states], start, start + page - 1, true);
    if (jobs.length === 0) break;
    for (const job of jobs) if (job?.data?.batchId === batchId && job.id) ids.push(job.id);
  }
  return ids;
}

/** Removes the jobs of a batch that are in one of `states`; resolves with how many. */
async function removeJobs(
  queue: Queue<ItemJobData>,
  batchId: string,
  states: readonly Exclude<JobState, "active">[],
): Promise<number> {
  // Ids first, removal after: removing while paging would shift the pages.
  const ids = await batchJobIds(queue, batchId, states);
  let removed = 0;
  for (const id of ids) removed += await queue.remove(id);
  return removed;
}

async function batchRecord(
  connection: ReturnType<typeof redisConnection>,
  queueName: string,
  batchId: string,
): Promise<Record<string, string>> {
  const record = await connection.hgetall(batchKey(queueName, batchId));
  if (record.chain === undefined) {
    throw new QueueError(
      "QUEUE_BATCH_UNKNOWN",
      `No batch ${batchId} on queue ${queueName}; the id is printed when the batch is submitted (catena batch ... --queue).`,
      { details: { batchId, queueName } },
    );
  }
  return record;
}
