import type { QueuedRunResult } from "@catena/core";
import { type Job, Queue, type RedisClient, type Worker } from "bullmq";
import type { Redis } from "ioredis";
import { isConnectionError } from "./connection-error.ts";
import { watchForDeadWorkers, workerConnectionName, workersKey } from "./dead-worker-watch.ts";
import { type ItemRuns, itemProcessor, lostItemError } from "./item-processor.ts";
import { watchForLostLocks } from "./lost-lock-watch.ts";
import { DEFAULT_QUEUE_NAME, type ItemJobData, jobLockKey, KEY_PREFIX, removedKey } from "./queue-layout.ts";
import { checkWorkerOptions, type QueueWorkerOptions } from "./queue-worker-options.ts";
import { awayMessage } from "./redis-away.ts";
import { reachRedis, redisConnection } from "./redis-connection.ts";
import { DEFAULT_UNREACHABLE_AFTER_MS, watchRedis } from "./redis-watchdog.ts";
import { dropJobsOfRemovedBatches } from "./removed-batch-sweep.ts";
import { DEFAULT_STUCK_AFTER_MS, watchForStuck } from "./stuck-worker-watch.ts";
import { type ItemTracking, TrackedWorker } from "./tracked-worker.ts";
import { closeWorker } from "./worker-close.ts";

export type { QueueWorkerOptions } from "./queue-worker-options.ts";

/** How often BullMQ's stalled-job check runs, at most (it runs every lock duration when shorter). */
const DEFAULT_STALLED_INTERVAL_MS = 500;

/** A running worker. */
export interface QueueWorker {
  /** Items this worker finished (any status). */
  readonly finished: number;
  /** Stops taking items, waits for those in flight, and disconnects. */
  close(): Promise<void>;
}

/**
 * Starts a worker that takes batch items off the queue and runs each with core's `run`, with the
 * chains given. An item whose chain has another fingerprint here than where it was submitted is
 * refused: its job fails at once (no retries) with `QUEUE_CHAIN_MISMATCH`, so the batch records it
 * as failed and says why, instead of running another chain than the one asked for; resume the batch
 * with `--retry-failed` once the workers run the right chain. A run that ends with status `error`
 * that may pass (core's `retryableByDefault`) is retried with exponential backoff and recorded as
 * failed after the last attempt; one that cannot (bad input, a refusal, a provider's 401 or spent
 * quota) is recorded at once.
 *
 * @example
 * const worker = await startWorker({ url: "redis://127.0.0.1:6379", chains: registry, concurrency: 16 });
 */
export async function startWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  checkWorkerOptions(options);
  const queueName = options.queueName ?? DEFAULT_QUEUE_NAME;
  const lockDuration = options.lockDurationMs ?? 30_000;
  const deadAfterMs = options.deadWorkerAfterMs;
  const connection = redisConnection(options.url);
  await reachRedis(connection, options.url);
  const runs: ItemRuns = { finished: 0, taken: new Map() };
  const processor = itemProcessor(connection, queueName, options, runs);

  if (options.rate) {
    const queue = new Queue(queueName, { connection, prefix: KEY_PREFIX });
    await queue.setGlobalRateLimit(options.rate.max, options.rate.durationMs);
    await queue.close();
  }
  let running = 0;
  let closing: Promise<void> | undefined;
  let takenAt = Date.now();
  /** Items in flight here: from BullMQ's taking them until their result or failure is stored. */
  const tracking: ItemTracking = {
    begin() {
      running++;
      takenAt = Date.now();
    },
    end() {
      running--;
    },
  };
  /**
   * Drops a finished job (completed, failed, or failed to be retried) whose batch carries a removal
   * mark (`catena queue remove --force`): else it stays in Redis for good, as nobody collects it.
   * The mark is read after BullMQ moved the job, on every job: a removal may land at any point of
   * the item's run, even after the item was counted and before its job left `active`, when
   * `removeBatch`, which skips running jobs, cannot see it. Either the removal's scan of finished
   * jobs comes after the move and takes the job, or the mark was set before this read.
   */
  const drop = (job: Job<ItemJobData> | undefined): void => {
    if (job?.id === undefined) return;
    void (async () => {
      if ((await connection.exists(removedKey(queueName, job.data.batchId))) === 1) await job.remove();
    })().catch(() => undefined);
  };
  /** A BullMQ worker on a connection of its own (BullMQ adds a blocking one, a duplicate). */
  const newWorker = (): { worker: Worker<ItemJobData, QueuedRunResult>; connection: Redis } => {
    const own = redisConnection(options.url);
    const created = new TrackedWorker(tracking, queueName, processor, {
      connection: own,
      prefix: KEY_PREFIX,
      concurrency: options.concurrency ?? 16,
      lockDuration,
      // Frequent: the check only moves jobs whose lock is gone, and a dead worker's items (their
      // locks freed by the dead-worker watch) are back on the queue at the next one.
      stalledInterval: options.stalledIntervalMs ?? Math.min(lockDuration, DEFAULT_STALLED_INTERVAL_MS),
      // A job is failed only after this many workers died holding it, not after the first.
      maxStalledCount: 5,
    });
    // Named after the worker's id, which starts its lock tokens: another worker's dead-worker watch
    // frees its items once this connection is gone (set before it connects; kept on reconnects).
    own.options.connectionName = workerConnectionName(created.id);
    // Freedom is judged by this connection: back, the worker registers again (see register).
    own.on("ready", () => {
      if (created === worker) register();
    });
    // Told at a failed lock renewal; the lost-lock watch mostly stops these runs long before.
    // Only the runs whose lock no longer holds their token: BullMQ tells by job id, and this worker
    // may have taken the job again (a valid run) while an old run of it stops.
    created.on("lockRenewalFailed", (jobIds: string[]) => {
      const ids = new Set(jobIds);
      const items = [...runs.taken.values()].filter((item) => ids.has(item.jobId));
      if (items.length === 0) return;
      void connection
        .mget(items.map((item) => jobLockKey(queueName, item.jobId)))
        .then((locks) => {
          for (const [i, item] of items.entries()) {
            if (locks[i] !== item.token) item.stop.abort(lostItemError(item.jobId));
          }
        })
        .catch(() => undefined);
    });
    created.on("completed", drop);
    created.on("failed", drop);
    // A lost connection is told once per outage (onDown), not on every reconnection attempt.
    created.on("error", (error) => {
      if (!watch.down && !isConnectionError(error)) options.onError?.(error);
    });
    return { worker: created, connection: own };
  };
  let { worker, connection: workerConnection } = newWorker();
  /** What the watchdog checks: the worker's connection is replaced when the worker is started again. */
  const watched = [connection, workerConnection];
  /** BullMQ's blocking connection of the worker (a duplicate of its own), once it exists. */
  const blocking: RedisClient[] = [];
  const watchBlocking = (of: Worker<ItemJobData, QueuedRunResult>): void => {
    void of.waitUntilReady().then(
      (client) => {
        if (of === worker) blocking[0] = client;
      },
      () => undefined,
    );
  };
  const watch = watchRedis(
    watched,
    options.url,
    options.unreachableAfterMs ?? DEFAULT_UNREACHABLE_AFTER_MS,
    {
      // Closing, it stops at once when no item is in flight (see close), else it waits for them.
      onDown: (away) =>
        options.onDown?.(
          awayMessage(
            options.url,
            away,
            options.unreachableAfterMs ?? DEFAULT_UNREACHABLE_AFTER_MS,
            closing === undefined ? undefined : running,
          ),
        ),
      onBack: () => options.onBack?.(),
      onGone: (error) => {
        void handle.close().then(() => options.onUnreachable?.(error));
      },
    },
    "the worker stopped; its items in flight go to other workers once their locks expire. Once Redis answers again (started again, if it stopped), start the worker again.",
    { blocking, ...(options.answerWithinMs === undefined ? {} : { answerWithinMs: options.answerWithinMs }) },
  );
  blocking[0] = await worker.waitUntilReady();
  await connection.sadd(workersKey(queueName), worker.id);
  // Freed as a dead worker while its connection was gone, it left the registry: back in it, so
  // that the dead-worker watch still hands its items on should it die later.
  // Registered on either connection's return: its own (named) one is what the watch judges by.
  function register(): void {
    if (closing !== undefined) return;
    void connection.sadd(workersKey(queueName), worker.id).catch(() => undefined);
  }
  connection.on("ready", register);
  // Late jobs a worker that died could not drop (their ids were in its memory only).
  await dropJobsOfRemovedBatches(connection, queueName).catch((error: unknown) =>
    options.onError?.(error instanceof Error ? error : new Error(String(error))),
  );
  const deadWatch = watchForDeadWorkers({
    connection,
    queueName,
    ownId: () => worker.id,
    ownReady: () => workerConnection.status === "ready",
    ...(deadAfterMs === undefined ? {} : { deadAfterMs }),
  });
  const lockWatch = watchForLostLocks({ connection, queueName, runs });
  const stuckWatch = watchForStuck({
    connection,
    queueName,
    stuckAfterMs: options.stuckAfterMs ?? DEFAULT_STUCK_AFTER_MS,
    mayTakeNothing: () => closing !== undefined || watch.down || running > 0,
    closing: () => closing !== undefined,
    takenAt: () => takenAt,
    onStuck: (message) => options.onStuck?.(message),
    restart: () => {
      takenAt = Date.now();
      const old = worker;
      const oldConnection = workerConnection;
      ({ worker, connection: workerConnection } = newWorker());
      // The old one leaves the registry; its connection goes, and it held no items (it ran none).
      void connection
        .multi()
        .sadd(workersKey(queueName), worker.id)
        .srem(workersKey(queueName), old.id)
        .exec()
        .catch(() => undefined);
      watched[1] = workerConnection;
      blocking.length = 0;
      watchBlocking(worker);
      // Forced: it runs nothing, and its own close would wait on the connection that hangs.
      void old.close(true).catch(() => undefined);
      oldConnection.disconnect();
    },
  });
  const handle: QueueWorker = {
    get finished() {
      return runs.finished;
    },
    close() {
      closing ??= (async () => {
        stuckWatch.stop();
        deadWatch.stop();
        connection.off("ready", register);
        try {
          await closeWorker({
            queueName,
            worker,
            workerConnection,
            connection,
            watched,
            blocking,
            watch,
            running: () => running,
          });
        } finally {
          lockWatch.stop();
        }
      })();
      return closing;
    },
  };
  return handle;
}
