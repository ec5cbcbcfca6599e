import type { BatchQueue, QueueBatchSpec, QueuedBatch, QueuedRunResult } from "@catena/core";
import { Queue, QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import { batchStop, closeBatchRecord, openBatchRecord } from "./batch-record.ts";
import { type AwaitedItem, BatchStallCheck } from "./batch-stall-check.ts";
import { failedResult, parseReturnValue } from "./job-outcome.ts";
import { QueueError } from "./queue-error.ts";
import { type ItemJobData, itemJobId, KEY_PREFIX } from "./queue-layout.ts";
import { awayMessage } from "./redis-away.ts";
import { checkRedisUrl, reachRedis, redisConnection } from "./redis-connection.ts";
import { type RedisQueueOptions, type SettledOptions, settleOptions } from "./redis-queue-options.ts";
import { type RedisWatch, watchRedis } from "./redis-watchdog.ts";
import { settlesWithin } from "./settles-within.ts";

/** How long a closing batch waits for its last commands and for BullMQ to close, at most. */
const CLOSE_WAIT_MS = 5000;

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

interface Waiter extends AwaitedItem {
  index: number;
  input: unknown;
  /** When the item was last known to be unfinished. */
  since: number;
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
  private stallCheck: BatchStallCheck | undefined;

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
    const settled = settleOptions(options);
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
    const { unreachableAfterMs, onDown, onBack, answerWithinMs } = settled;
    batch.watch = watchRedis(
      [connection, eventsConnection],
      url,
      unreachableAfterMs,
      {
        onDown: (away) =>
          onDown?.(`${awayMessage(url, away, unreachableAfterMs)} (items finished so far are kept)`),
        onBack: () => onBack?.(),
        onGone: (error) => batch.giveUp(error),
      },
      `the results file holds every item finished so far: once Redis answers again (started again with its data, if it stopped), run the same batch again with --resume.`,
      // The events' own connection (a duplicate BullMQ makes) is the one that blocks on XREAD.
      { blocking: [await events.client], ...(answerWithinMs === undefined ? {} : { answerWithinMs }) },
    );
    return batch;
  }

  /** Redis is gone for good: every item still waiting fails, and so does every new one. */
  private giveUp(error: QueueError): void {
    this.unreachable = error;
    for (const id of [...this.waiters.keys()]) this.reject(id, error);
  }

  private async start(): Promise<void> {
    await openBatchRecord(this.connection, this.options.queueName, this.spec);
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
    const { stallAfterMs, onStall, queueName } = this.options;
    if (stallAfterMs > 0 && onStall) {
      const check = new BatchStallCheck({
        batchId: this.spec.batchId,
        queueName,
        stallAfterMs,
        onStall,
        waiters: this.waiters,
        redisDown: () => this.watch?.down !== false,
        check: (id) => this.check(id),
        workers: () => this.queue.getWorkersCount(),
      });
      this.stallCheck = check;
      this.timers.push(setInterval(() => void check.tick().catch(() => undefined), check.everyMs));
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
    const stop = await batchStop(this.connection, this.options.queueName, this.spec.batchId);
    if (stop) {
      this.stop(stop);
      return;
    }
    const stale = Date.now() - this.options.sweepMs;
    const ids = [...this.waiters].filter(([, w]) => w.added && w.since <= stale).map(([id]) => id);
    for (let i = 0; i < ids.length; i += 100) {
      await Promise.all(ids.slice(i, i + 100).map((id) => this.check(id)));
    }
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
    this.stallCheck?.progress();
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
    const { queueName, keepFinishedMs, keepStoppedMs } = this.options;
    // Tried even while Redis looks away (a slow PING, a restart just ending): skipped, the
    // handed-over jobs, the record and its bitmaps would stay in Redis with no expiry. Bounded, as
    // Redis may not come back; skipped only once the batch gave up on it.
    const wrote =
      this.unreachable === undefined &&
      (await settlesWithin(
        (async () => {
          // runBatch closes the queue after its results file: every collected result is on disk.
          await this.removeCollected([...this.collectedBefore, ...this.collected]);
          // Finished: its jobs are gone already. Stopped early: kept for a resume, which clears it.
          await closeBatchRecord(
            this.connection,
            queueName,
            this.spec.batchId,
            finished ? "finished" : "stopped",
            finished ? keepFinishedMs : keepStoppedMs,
          );
        })(),
        CLOSE_WAIT_MS,
      ));
    let closed = false;
    if (!lost && wrote) {
      // The events' blocking connection still reconnecting (it may lag the others after a Redis
      // restart): BullMQ's close would wait for an "end" that a reconnecting ioredis never sends,
      // and the batch, done, hung there. It is dropped below instead.
      const eventsReady = (await this.events.client).status === "ready";
      closed =
        eventsReady &&
        (await settlesWithin(Promise.all([this.events.close(), this.queue.close()]), CLOSE_WAIT_MS));
    }
    if (!closed) {
      // With Redis away, BullMQ's close would wait for it forever (and the writes above, if they
      // did not make it, leave the handed-over jobs, which a resume skips). BullMQ's own connections
      // (the events' blocking one is a duplicate) would go on reconnecting: they are dropped.
      // (BullMQ's disconnect() waits for an "end" that a reconnecting ioredis never sends.) Their
      // close is still begun, not awaited: it marks them closing, else the events' read loop goes
      // on retrying its dropped connection every 5 s, on a timer that kept the process alive.
      void this.events.close().catch(() => undefined);
      void this.queue.close().catch(() => undefined);
      const clients = await Promise.all([this.events.client, this.queue.client]);
      for (const client of clients) client.disconnect();
    }
    // BullMQ leaves connections it was given open: they are ours to close.
    this.connection.disconnect();
    this.eventsConnection.disconnect();
  }
}
