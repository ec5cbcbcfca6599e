import type { BatchQueue, QueueBatchSpec, QueuedBatch, QueuedRunResult } from "@catena/core";
import { Queue, QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import { failedResult, parseReturnValue } from "./job-outcome.ts";
import { QueueError } from "./queue-error.ts";
import {
  batchKey,
  batchKeys,
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF_MS,
  DEFAULT_KEEP_FINISHED_MS,
  DEFAULT_KEEP_STOPPED_MS,
  DEFAULT_QUEUE_NAME,
  type ItemJobData,
  itemJobId,
  KEY_PREFIX,
  removedKey,
} from "./queue-layout.ts";
import { DEFAULT_STALL_AFTER_MS, type QueueStall, stallMessage } from "./queue-stall.ts";
import { checkRedisUrl, reachRedis, redisConnection } from "./redis-connection.ts";
import { DEFAULT_UNREACHABLE_AFTER_MS, type RedisWatch, watchRedis } from "./redis-watchdog.ts";

/** Options of {@link redisQueue}. */
export interface RedisQueueOptions {
  /** The BullMQ queue (default `catena-batches`); workers must listen to the same one. */
  queueName?: string;
  /** Runs per item before it is recorded as failed (default 3: the first and two retries). */
  attempts?: number;
  /** Wait before the first retry, doubled for each next one (default 1000 ms). */
  backoffMs?: number;
  /**
   * How often items not heard of for this long are looked up directly (default 2000 ms): finished
   * while the submitter was away, or while Redis restarted and their events were lost.
   */
  sweepMs?: number;
  /**
   * The rate limit of the whole queue: at most `max` item starts per `durationMs`, across every
   * worker (kept in Redis, so it also binds workers started without one). Left as it is when not given.
   */
  rate?: { max: number; durationMs: number };
  /**
   * How long a Redis that was reached, then lost, may stay away before the batch gives up (default
   * 60 000 ms): its items still waiting fail with `QUEUE_UNREACHABLE`, so `runBatch` rejects with
   * that error after writing every finished item, and a resume picks the batch up later.
   */
  unreachableAfterMs?: number;
  /**
   * How long the record of a batch whose every item finished (its counts, latest failures and
   * item bitmaps) stays in Redis for `catena queue status` (default 7 days); then Redis drops it.
   * Submitting the batch again (a resume) keeps it until that run finishes.
   */
  keepFinishedMs?: number;
  /**
   * How long the record of a batch that stopped before its end (its `maxCostUsd` budget, an abort,
   * a failure, a cancel) stays in Redis for its resume (default 30 days); then Redis drops it, as
   * nobody resumed it. A resume clears the expiry; `catena queue remove` drops it at once.
   */
  keepStoppedMs?: number;
  /**
   * How long the batch may go without any item finishing, while it waits for some, before
   * `onStall` is told (default 120 000 ms; 0: never). Told again after each further such period
   * without progress. The batch itself goes on waiting: items may just be slow.
   */
  stallAfterMs?: number;
  /**
   * Told when the batch stalls (see `stallAfterMs`), with where its items are and how many
   * workers listen, so that a batch that would wait forever says why.
   */
  onStall?: (stall: QueueStall) => void;
}

/**
 * A {@link BatchQueue} on BullMQ over Redis: pass it to `runBatch` as `queue`, and run
 * `catena worker --queue <url>` (or {@link startWorker}) on any number of machines.
 *
 * @example
 * import { redisQueue } from "@catena/queue";
 * await runBatch(chain, inputs, { queue: redisQueue("redis://127.0.0.1:6379"), checkpoint: "out.jsonl", concurrency: 256 });
 */
export function redisQueue(url: string, options: RedisQueueOptions = {}): BatchQueue {
  // Checks the address now, where the caller wrote it, rather than when the batch starts.
  checkRedisUrl(url);
  return { open: (spec) => RedisQueuedBatch.open(url, spec, options) };
}

type SettledOptions = Required<Omit<RedisQueueOptions, "rate" | "onStall">> &
  Pick<RedisQueueOptions, "onStall">;

interface Waiter {
  index: number;
  input: unknown;
  /** When the item was last known to be unfinished. */
  since: number;
  added: boolean;
  /** Its state on the queue when last looked up (by the sweep). */
  state?: string;
  resolve(result: QueuedRunResult): void;
  reject(error: unknown): void;
  unlisten(): void;
}

/**
 * One batch open on the queue. Items are added as jobs `<batchId>-<index>` (BullMQ adds a job id
 * once, so a resumed batch never doubles an item) and resolved from the queue's completed and
 * failed events; a periodic sweep looks up items whose events were missed. Jobs are removed a
 * second after their result was handed over, once the results file has written it.
 */
class RedisQueuedBatch implements QueuedBatch {
  private readonly waiters = new Map<string, Waiter>();
  /** Failed jobs of an earlier run already sent back to the queue by `retryFailed`. */
  private readonly retried = new Set<string>();
  private collected: string[] = [];
  private collectedBefore: string[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private cancelled: QueueError | undefined;
  /** Redis was lost for longer than `unreachableAfterMs`: every item fails with this. */
  private unreachable: QueueError | undefined;
  private watch: RedisWatch | undefined;
  /** When an item last finished, or the batch last had nothing to wait for. */
  private progressAt = Date.now();
  /** When the last stall was told (a stall is told once per `stallAfterMs`). */
  private stallToldAt = 0;

  private readonly spec: QueueBatchSpec;
  private readonly options: SettledOptions;
  private readonly connection: Redis;
  private readonly queue: Queue<ItemJobData>;
  private readonly events: QueueEvents;
  private readonly eventsConnection: Redis;

  private constructor(
    spec: QueueBatchSpec,
    options: SettledOptions,
    connection: Redis,
    queue: Queue<ItemJobData>,
    events: QueueEvents,
    eventsConnection: Redis,
  ) {
    this.spec = spec;
    this.options = options;
    this.connection = connection;
    this.queue = queue;
    this.events = events;
    this.eventsConnection = eventsConnection;
  }

  static async open(url: string, spec: QueueBatchSpec, options: RedisQueueOptions): Promise<QueuedBatch> {
    const settled: SettledOptions = {
      queueName: options.queueName ?? DEFAULT_QUEUE_NAME,
      attempts: options.attempts ?? DEFAULT_ATTEMPTS,
      backoffMs: options.backoffMs ?? DEFAULT_BACKOFF_MS,
      sweepMs: options.sweepMs ?? 2000,
      unreachableAfterMs: options.unreachableAfterMs ?? DEFAULT_UNREACHABLE_AFTER_MS,
      keepFinishedMs: options.keepFinishedMs ?? DEFAULT_KEEP_FINISHED_MS,
      keepStoppedMs: options.keepStoppedMs ?? DEFAULT_KEEP_STOPPED_MS,
      stallAfterMs: options.stallAfterMs ?? DEFAULT_STALL_AFTER_MS,
      ...(options.onStall ? { onStall: options.onStall } : {}),
    };
    const connection = redisConnection(url);
    await reachRedis(connection, url);
    const queue = new Queue<ItemJobData>(settled.queueName, {
      connection,
      prefix: KEY_PREFIX,
      // Room for the events of many items in flight: a missed event costs a sweep's delay.
      streams: { events: { maxLen: 100_000 } },
    });
    const eventsConnection = redisConnection(url);
    const events = new QueueEvents(settled.queueName, { connection: eventsConnection, prefix: KEY_PREFIX });
    const batch = new RedisQueuedBatch(spec, settled, connection, queue, events, eventsConnection);
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    if (options.rate) await queue.setGlobalRateLimit(options.rate.max, options.rate.durationMs);
    await batch.start();
    batch.watch = watchRedis(
      [connection, eventsConnection],
      url,
      settled.unreachableAfterMs,
      { onGone: (error) => batch.giveUp(error) },
      `the results file holds every item finished so far: start Redis again (with its data), then run the same batch again with --resume.`,
    );
    return batch;
  }

  /** Redis is gone for good: every item still waiting fails, and so does every new one. */
  private giveUp(error: QueueError): void {
    this.unreachable = error;
    for (const id of [...this.waiters.keys()]) this.reject(id, error);
  }

  private async start(): Promise<void> {
    const key = batchKey(this.options.queueName, this.spec.batchId);
    const { name, version, fingerprint } = this.spec.chain;
    const transaction = this.connection
      .multi()
      .hsetnx(key, "createdAt", String(Date.now()))
      .hset(key, { chain: name, version, fingerprint, submittedAt: String(Date.now()) })
      // Submitting again (a resume) reopens a cancelled batch.
      .hdel(key, "cancelled", "closed")
      // ... and one that was removed.
      .del(removedKey(this.options.queueName, this.spec.batchId));
    // ... and one that had finished: its keys no longer expire while it runs.
    for (const k of batchKeys(this.options.queueName, this.spec.batchId)) transaction.persist(k);
    await transaction.exec();
    this.events.on("completed", ({ jobId, returnvalue }) => {
      this.settle(jobId, () => parseReturnValue(returnvalue));
    });
    this.events.on("failed", ({ jobId, failedReason }) => {
      this.settle(jobId, () => failedResult(failedReason));
    });
    this.events.on("error", () => {
      // Connection errors while Redis restarts: ioredis reconnects, and the sweep catches up.
    });
    this.timers.push(setInterval(() => void this.sweep().catch(() => undefined), this.options.sweepMs));
    this.timers.push(setInterval(() => void this.removeCollected(this.rotateCollected()), 1000));
    const { stallAfterMs, onStall } = this.options;
    if (stallAfterMs > 0 && onStall) {
      const every = Math.max(50, Math.min(1000, stallAfterMs / 4));
      this.timers.push(setInterval(() => void this.tellStall(onStall).catch(() => undefined), every));
    }
  }

  run(index: number, input: unknown, signal?: AbortSignal): Promise<QueuedRunResult> {
    if (this.cancelled) return Promise.reject(this.cancelled);
    if (this.unreachable) return Promise.reject(this.unreachable);
    const id = itemJobId(this.spec.batchId, index);
    return new Promise<QueuedRunResult>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        this.waiters.delete(id);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const waiter: Waiter = {
        index,
        input,
        since: Date.now(),
        added: false,
        resolve,
        reject,
        unlisten: () => signal?.removeEventListener("abort", onAbort),
      };
      this.waiters.set(id, waiter);
      this.add(id, waiter)
        .then(() => (this.spec.resume ? this.check(id) : undefined))
        .catch((error: unknown) => this.reject(id, error));
    });
  }

  private async add(id: string, waiter: Waiter): Promise<void> {
    const data: ItemJobData = {
      batchId: this.spec.batchId,
      index: waiter.index,
      input: waiter.input,
      chain: this.spec.chain,
      run: this.spec.run,
    };
    await this.queue.add("item", data, {
      jobId: id,
      attempts: this.options.attempts,
      backoff: { type: "exponential", delay: this.options.backoffMs },
      // Kept until the results file holds them: a submitter that dies collects them on resume.
      removeOnComplete: false,
      removeOnFail: false,
    });
    waiter.added = true;
  }

  /** Looks an item up on the queue and settles it when it has finished. */
  private async check(id: string): Promise<void> {
    const waiter = this.waiters.get(id);
    if (!waiter?.added) return;
    // The state first, then the job: a job fetched first may finish before its state is read,
    // and would then show no return value.
    const state = await this.queue.getJobState(id);
    if (state === "unknown") {
      // Gone from Redis (removed by hand, or lost by a Redis without persistence): add it again.
      waiter.added = false;
      await this.add(id, waiter);
      return;
    }
    waiter.state = state;
    if (state !== "completed" && state !== "failed") {
      waiter.since = Date.now();
      return;
    }
    const job = await this.queue.getJob(id);
    if (!job) return; // removed meanwhile: the next sweep adds it again
    if (state === "completed") this.settle(id, () => parseReturnValue(job.returnvalue));
    else if (this.spec.retryFailed && !this.retried.has(id)) {
      this.retried.add(id);
      await job.retry("failed");
      waiter.since = Date.now();
    } else this.settle(id, () => failedResult(job.failedReason));
  }

  private async sweep(): Promise<void> {
    const { queueName } = this.options;
    const { batchId } = this.spec;
    const [cancelled, removed] = await Promise.all([
      this.connection.hget(batchKey(queueName, batchId), "cancelled"),
      this.connection.exists(removedKey(queueName, batchId)),
    ]);
    if (removed === 1) {
      // Not "unknown" jobs to add again: they were removed on purpose, with the batch's record.
      this.stop(
        new QueueError(
          "QUEUE_BATCH_REMOVED",
          `Batch ${batchId} was removed from queue ${queueName} (catena queue remove --force) while this submission ran; its items still waiting were dropped. Submit it again with --resume to go on (the results file keeps what finished).`,
          { details: { batchId, queueName } },
        ),
      );
      return;
    }
    if (cancelled !== null) {
      this.stop(
        new QueueError(
          "QUEUE_BATCH_CANCELLED",
          `Batch ${batchId} was cancelled (catena queue cancel); submit it again with --resume to go on.`,
          { details: { batchId } },
        ),
      );
      return;
    }
    const stale = Date.now() - this.options.sweepMs;
    const ids = [...this.waiters].filter(([, w]) => w.added && w.since <= stale).map(([id]) => id);
    for (let i = 0; i < ids.length; i += 100) {
      await Promise.all(ids.slice(i, i + 100).map((id) => this.check(id)));
    }
  }

  /**
   * Tells `onStall` when no item finished for `stallAfterMs` while the batch waits for some: where
   * its items were when the sweep last looked them up, and how many workers listen. Not while
   * Redis is away (the watchdog speaks for that).
   */
  private async tellStall(onStall: (stall: QueueStall) => void): Promise<void> {
    const now = Date.now();
    if (this.waiters.size === 0 || this.watch?.down !== false) {
      if (this.waiters.size === 0) this.progressAt = now;
      return;
    }
    const { stallAfterMs, queueName } = this.options;
    const since = Math.max(this.progressAt, this.stallToldAt);
    if (now - since < stallAfterMs) return;
    this.stallToldAt = now;
    // Items the sweep has not looked up yet (a `stallAfterMs` shorter than two sweeps): looked up
    // now, which also collects any whose finish event was missed.
    const progressAt = this.progressAt;
    const unchecked = [...this.waiters].filter(([, w]) => w.added && w.state === undefined).map(([id]) => id);
    for (let i = 0; i < unchecked.length; i += 100) {
      await Promise.all(unchecked.slice(i, i + 100).map((id) => this.check(id)));
    }
    if (this.waiters.size === 0 || this.progressAt !== progressAt) return;
    const states = { waiting: 0, active: 0, delayed: 0, unchecked: 0 };
    for (const waiter of this.waiters.values()) {
      if (waiter.state === "active") states.active++;
      else if (waiter.state === "delayed") states.delayed++;
      else if (
        waiter.state === "waiting" ||
        waiter.state === "prioritized" ||
        waiter.state === "waiting-children"
      )
        states.waiting++;
      else states.unchecked++;
    }
    const workers = await this.queue.getWorkersCount();
    const stall = {
      batchId: this.spec.batchId,
      queueName,
      sinceMs: now - this.progressAt,
      items: this.waiters.size,
      states,
      workers,
    };
    onStall({ ...stall, message: stallMessage(stall) });
  }

  /** The batch was cancelled or removed: every item still waiting fails with `error`, and so does every new one. */
  private stop(error: QueueError): void {
    this.cancelled ??= error;
    for (const id of [...this.waiters.keys()]) this.reject(id, this.cancelled);
  }

  private settle(id: string, result: () => QueuedRunResult | undefined): void {
    const waiter = this.waiters.get(id);
    if (!waiter) return;
    const value = result();
    // No result to hand over (never expected from BullMQ): the sweep looks again.
    if (value === undefined) return;
    this.waiters.delete(id);
    waiter.unlisten();
    this.progressAt = Date.now();
    this.collected.push(id);
    waiter.resolve(value);
  }

  private reject(id: string, error: unknown): void {
    const waiter = this.waiters.get(id);
    if (!waiter) return;
    this.waiters.delete(id);
    waiter.unlisten();
    waiter.reject(error);
  }

  /** The jobs collected a tick ago: by now the results file has written them (it flushes every 50 ms). */
  private rotateCollected(): string[] {
    const due = this.collectedBefore;
    this.collectedBefore = this.collected;
    this.collected = [];
    return due;
  }

  private async removeCollected(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await Promise.all(ids.map((id) => this.queue.remove(id).catch(() => 0)));
  }

  /**
   * Marks how the batch's submission ended (`closed`: finished or stopped, for `catena queue
   * status`) and lets Redis drop its record and item bitmaps after `keepFinishedMs` (finished: its
   * jobs are gone already) or `keepStoppedMs` (stopped early: kept for a resume, which clears it).
   * Before, every batch ever run, then every batch nobody resumed, left them behind for good.
   */
  private async expireKeys(closed: "finished" | "stopped"): Promise<void> {
    const { queueName, keepFinishedMs, keepStoppedMs } = this.options;
    const key = batchKey(queueName, this.spec.batchId);
    // A removed batch has no record: HSET would bring one back, alone, for good.
    if ((await this.connection.exists(key)) === 0) return;
    const transaction = this.connection.multi().hset(key, "closed", closed);
    for (const k of batchKeys(queueName, this.spec.batchId)) {
      transaction.pexpire(k, closed === "finished" ? keepFinishedMs : keepStoppedMs);
    }
    await transaction.exec();
  }

  async close(outcome?: { complete: boolean }): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    const lost = this.watch?.down === true || this.unreachable !== undefined;
    // Every item handed over, none cancelled or cut short: the batch is done with its keys. One
    // stopped early (its budget, an abort, a cancel) is to be resumed: its record stays much
    // longer, until the resume (or `catena queue remove`).
    const finished = this.waiters.size === 0 && this.cancelled === undefined && outcome?.complete !== false;
    this.watch?.stop();
    for (const id of [...this.waiters.keys()])
      this.reject(id, new QueueError("QUEUE_JOB_FAILED", "The batch was closed before this item finished."));
    if (!lost) {
      // runBatch closes the queue after its results file: every collected result is on disk.
      await this.removeCollected([...this.collectedBefore, ...this.collected]);
      await this.expireKeys(finished ? "finished" : "stopped");
      await this.events.close();
      await this.queue.close();
    } else {
      // With Redis away, the commands above would wait for it forever: the handed-over jobs stay
      // in Redis, and a resume skips them (the results file has them). BullMQ's own connections
      // (the events' blocking one is a duplicate) would go on reconnecting: they are dropped.
      // (BullMQ's disconnect() waits for an "end" that a reconnecting ioredis never sends.)
      const clients = await Promise.all([this.events.client, this.queue.client]);
      for (const client of clients) client.disconnect();
    }
    // BullMQ leaves connections it was given open: they are ours to close.
    this.connection.disconnect();
    this.eventsConnection.disconnect();
  }
}
