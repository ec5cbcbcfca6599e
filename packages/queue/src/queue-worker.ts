import type { QueuedRunResult } from "@catena/core";
import {
  type AnyChain,
  type ChainRegistry,
  type RunOptions,
  retryableByDefault,
  run,
  type Tracer,
} from "@catena/core";
import { type Job, Queue, type RedisClient, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { COUNT_RETRY, countFinished } from "./batch-counts.ts";
import {
  DEFAULT_DEAD_AFTER_MS,
  watchForDeadWorkers,
  workerConnectionName,
  workersKey,
} from "./dead-worker-watch.ts";
import { forceCloseWorker } from "./force-close-worker.ts";
import { failureReason, queuedResult } from "./job-outcome.ts";
import { QueueError } from "./queue-error.ts";
import { batchKey, DEFAULT_QUEUE_NAME, type ItemJobData, KEY_PREFIX, removedKey } from "./queue-layout.ts";
import { awayMessage } from "./redis-away.ts";
import { reachRedis, redisConnection } from "./redis-connection.ts";
import { checkAnswerWithinMs, DEFAULT_UNREACHABLE_AFTER_MS, watchRedis } from "./redis-watchdog.ts";
import { dropJobsOfRemovedBatches } from "./removed-batch-sweep.ts";
import { settlesWithin } from "./settles-within.ts";
import { DEFAULT_STUCK_AFTER_MS, watchForStuck } from "./stuck-worker-watch.ts";

/** How long a closing worker waits for BullMQ to close once no item runs, at most. */
const CLOSE_WAIT_MS = 5000;

/** How often BullMQ's stalled-job check runs, at most (it runs every lock duration when shorter). */
const DEFAULT_STALLED_INTERVAL_MS = 500;

/** Options of {@link startWorker}. */
export interface QueueWorkerOptions {
  /** The Redis the batches are submitted to, e.g. `redis://10.0.0.5:6379`. */
  url: string;
  /** The chains this worker runs, looked up by the name and version each item was submitted with. */
  chains: ChainRegistry;
  /** The BullMQ queue (default `catena-batches`). */
  queueName?: string;
  /** Items this worker runs at once (default 16). */
  concurrency?: number;
  /**
   * The rate limit of the whole queue: at most `max` item starts per `durationMs`, across every
   * worker. It is kept in Redis; the last worker started with a rate sets it for all.
   */
  rate?: { max: number; durationMs: number };
  /** Traces every run, exactly as a local run (e.g. the CLI's configured backend). */
  tracer?: Tracer;
  /**
   * How long a worker's hold on an item lasts without being renewed (default 30 000 ms; renewed
   * every half of it): a worker whose event loop is blocked for longer loses its items to others,
   * which run them again. A worker that dies (kill -9, a crash) loses its items to the others in
   * about `deadWorkerAfterMs` and a second, as Redis sees its connection gone; where Redis cannot
   * tell (no CLIENT LIST), after about this long.
   */
  lockDurationMs?: number;
  /**
   * How long another worker's connection must be missing from Redis's `CLIENT LIST` before this
   * worker counts it as dead and frees its items for the others (default 5000 ms, at least 1000).
   * Shorter hands a killed worker's items on sooner; but a live worker whose connection blips for
   * longer (a network hiccup, a proxy restart, `CLIENT KILL`) loses its items, which then run twice
   * (it stops its copies once it sees their locks gone, at its next lock renewal).
   */
  deadWorkerAfterMs?: number;
  /** How often BullMQ's stalled-job check puts items of dead workers back (default 500 ms, or the lock duration when shorter). */
  stalledIntervalMs?: number;
  /** Told once per batch and reason when this worker refuses a batch's items. */
  onRefuse?: (message: string) => void;
  /** Told about errors other than a lost connection (they are retried). */
  onError?: (error: Error) => void;
  /**
   * Told once per outage when Redis counts as away (the worker waits for it, up to
   * `unreachableAfterMs`), with what was seen: a connection that cannot be made, with its error, or
   * a connected Redis that has not answered for `answerWithinMs`.
   */
  onDown?: (message: string) => void;
  /** Told when Redis answers again after an outage. */
  onBack?: () => void;
  /**
   * How long Redis may stay away before the worker gives up (default 60 000 ms): it then stops
   * (its items in flight go to other workers once their locks expire) and `onUnreachable` gets a
   * `QUEUE_UNREACHABLE` error naming the address.
   */
  unreachableAfterMs?: number;
  /**
   * How long a connected Redis may leave a PING unanswered before it counts as away (default
   * 5000 ms): a frozen server or a half-open connection stays "connected" and answers nothing.
   * Time the worker's own event loop was blocked does not count.
   */
  answerWithinMs?: number;
  /** Told when the worker gave up on a Redis that did not come back; the worker is closed by then. */
  onUnreachable?: (error: QueueError) => void;
  /**
   * How long this worker may take no item, while it runs none and the same item waits at the head
   * of the queue, before it counts as stuck (default 30 000 ms; 0: never): BullMQ's worker then
   * waits on a blocking connection that will never answer (e.g. one left half-open by a network
   * fault), and would take nothing more, ever. A stuck worker is started again, on new connections.
   */
  stuckAfterMs?: number;
  /** Told when the worker was stuck and was started again, with what showed it. */
  onStuck?: (message: string) => void;
}

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
  const queueName = options.queueName ?? DEFAULT_QUEUE_NAME;
  const lockDuration = options.lockDurationMs ?? 30_000;
  checkAnswerWithinMs(options.answerWithinMs);
  const deadAfterMs = options.deadWorkerAfterMs;
  if (deadAfterMs !== undefined && !(Number.isFinite(deadAfterMs) && deadAfterMs >= 1000)) {
    throw new QueueError(
      "QUEUE_OPTION",
      `deadWorkerAfterMs must be a number of milliseconds, 1000 or more (a reconnecting worker is gone from Redis a while), got ${String(deadAfterMs)}; leave it out for the default, ${DEFAULT_DEAD_AFTER_MS}.`,
      { details: { option: "deadWorkerAfterMs", value: String(deadAfterMs) } },
    );
  }
  const connection = redisConnection(options.url);
  await reachRedis(connection, options.url);
  const refused = new Set<string>();
  const stopped = new Map<string, { at: number; value: BatchStop }>();
  let finished = 0;

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
    await countFinished(connection, queueName, job.data, "refused", { code, message });
    // Unrecoverable: no retries, the job goes to the failed set and the submitter records why.
    throw new UnrecoverableError(failureReason(code, message));
  };

  const processor = async (job: Job<ItemJobData>): Promise<QueuedRunResult> => {
    const data = job.data;
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
    const id = job.id ?? "";
    lockLost.set(id, taken);
    inChain++;
    const result = await run(chain, data.input, runOptions).finally(() => {
      inChain--;
      lockLost.delete(id);
    });
    // Its lock was freed (this worker's connection was gone long enough to count as dead) and the
    // item runs on another worker: that one records it; counting it here too would count it twice.
    if (taken.signal.aborted) throw taken.signal.reason;
    // Only what may pass is retried, as by a retry(): bad input, a refusal, a provider's 401 or
    // exhausted quota fail the same way every time (see retryableByDefault).
    const retryable = result.status === "error" && retryableByDefault(result.error.toJSON());
    if (retryable && job.attemptsMade + 1 < (job.opts.attempts ?? 1)) {
      await connection.eval(COUNT_RETRY, 1, batchKey(queueName, data.batchId));
      throw result.error; // BullMQ runs it again after the backoff
    }
    const failure =
      result.status === "error" ? { code: result.error.code, message: result.error.message } : undefined;
    // Not counted when the batch has no record (removed while this item ran): see `drop`.
    await countFinished(connection, queueName, data, result.status, failure);
    finished++;
    return queuedResult(result);
  };

  if (options.rate) {
    const queue = new Queue(queueName, { connection, prefix: KEY_PREFIX });
    await queue.setGlobalRateLimit(options.rate.max, options.rate.durationMs);
    await queue.close();
  }
  let running = 0;
  /** The items running here, by job id: aborted when BullMQ could not renew their lock. */
  const lockLost = new Map<string, AbortController>();
  let closing: Promise<void> | undefined;
  /** Items whose chain runs now; the others of `running` wait for Redis to store their result. */
  let inChain = 0;
  let takenAt = Date.now();
  const counted = async (job: Job<ItemJobData>): Promise<QueuedRunResult> => {
    running++;
    takenAt = Date.now();
    try {
      return await processor(job);
    } finally {
      running--;
    }
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
    const created = new Worker<ItemJobData, QueuedRunResult>(queueName, counted, {
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
    // Another worker freed these items (it took this one for dead: its connection was gone for
    // `deadWorkerAfterMs`) and they run there: the copies here stop, at their next step.
    created.on("lockRenewalFailed", (jobIds: string[]) => {
      for (const jobId of jobIds) {
        lockLost
          .get(jobId)
          ?.abort(
            new Error(
              `lost item ${jobId} to another worker (this worker's connection to Redis was gone too long); stopped it here`,
            ),
          );
      }
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
      // Closing, it stops at once when no chain runs (see close), else it waits for them.
      onDown: (away) =>
        options.onDown?.(
          awayMessage(
            options.url,
            away,
            options.unreachableAfterMs ?? DEFAULT_UNREACHABLE_AFTER_MS,
            closing === undefined ? undefined : inChain,
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
  // Late jobs a worker that died could not drop (their ids were in its memory only).
  await dropJobsOfRemovedBatches(connection, queueName).catch((error: unknown) =>
    options.onError?.(error instanceof Error ? error : new Error(String(error))),
  );
  const deadWatch = watchForDeadWorkers({
    connection,
    queueName,
    ownName: () => workerConnectionName(worker.id),
    ...(deadAfterMs === undefined ? {} : { deadAfterMs }),
  });
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
      return finished;
    },
    close() {
      closing ??= (async () => {
        stuckWatch.stop();
        deadWatch.stop();
        // BullMQ's close drops its blocking connection itself: watched no more, that is no outage.
        // The watch goes on until the close ends: Redis may die during it.
        const blockingClients = blocking.splice(0);
        // Any connection not ready (Redis restarting, or back but a connection still reconnecting)
        // while no chain runs: nothing is lost by forcing, and BullMQ's normal close would wait for
        // an "end" that a reconnecting ioredis never sends.
        const ready = [...watched, ...blockingClients].every((c) => c.status === "ready");
        const lost = watch.gone || ((watch.down || !ready) && inChain === 0);
        if (!lost) {
          // Items in flight take their time, and go on through a Redis restart (a long LLM call
          // thrown away would run, and be billed, twice). BullMQ closing its connections after them
          // may wait for good on a Redis gone during the close.
          const closed = worker.close().then(
            () => true,
            () => true,
          );
          let timer: NodeJS.Timeout | undefined;
          let settled = false;
          const wait = (ms: number): Promise<unknown> =>
            new Promise((resolve) => {
              timer = setTimeout(resolve, ms);
            });
          // Given up on: BullMQ still closing CLOSE_WAIT_MS after the last item ended; Redis away
          // while no chain runs (an item that ended then waits for good to be counted); or Redis
          // away for the whole allowance (`unreachableAfterMs`), as for a worker that is not closing.
          const stuck = (async () => {
            let idleSince: number | undefined;
            while (!settled && !watch.gone && !(watch.down && inChain === 0)) {
              if (running > 0) idleSince = undefined;
              else {
                idleSince ??= Date.now();
                if (Date.now() - idleSince >= CLOSE_WAIT_MS) break;
              }
              await wait(100);
            }
            return false;
          })();
          const closedInTime = await Promise.race([closed, stuck]);
          // Its timer would keep the process alive for the whole wait after a clean close.
          settled = true;
          clearTimeout(timer);
          // Closed with nothing left in flight: it leaves the registry. Forced, it stays, and
          // another worker's dead-worker watch frees what it held once its connection is gone.
          if (closedInTime) await settlesWithin(connection.srem(workersKey(queueName), worker.id), 1000);
          else forceCloseWorker(worker, blockingClients);
        } else forceCloseWorker(worker, blockingClients);
        watch.stop();
        // BullMQ leaves connections it was given open: they are ours to close.
        workerConnection.disconnect();
        connection.disconnect();
      })();
      return closing;
    },
  };
  return handle;
}

/** An error of the connection itself (refused, reset, timed out, closed), which ioredis retries. */
function isConnectionError(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code ?? "";
  return (
    ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EHOSTUNREACH", "EPIPE"].includes(code) ||
    /Connection is closed|connect E[A-Z]+/.test(error.message)
  );
}

/** A batch's stop a worker heeds: cancelled (`catena queue cancel`), removed, or none. */
type BatchStop = "cancelled" | "removed" | undefined;
