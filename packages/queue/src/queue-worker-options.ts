import type { ChainRegistry, Tracer } from "@catena/core";
import { DEFAULT_DEAD_AFTER_MS } from "./dead-worker-watch.ts";
import { QueueError } from "./queue-error.ts";
import { checkAnswerWithinMs } from "./redis-watchdog.ts";

/** Options of `startWorker`. */
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
   * One worker of a queue watches at a time, in turns: the watching worker's value counts, so give
   * every worker of a queue the same. Shorter hands a killed worker's items on sooner; but a live
   * worker whose connection blips for longer (a network hiccup, a proxy restart, `CLIENT KILL`)
   * loses its items, which then start again elsewhere (it stops its copies within about a second
   * of being back, and counts nothing of them).
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

/**
 * Throws a {@link QueueError} (`QUEUE_OPTION`) for options `startWorker` cannot run with, before
 * it connects: an `answerWithinMs` or a `deadWorkerAfterMs` under 1000 ms or not a number.
 */
export function checkWorkerOptions(options: QueueWorkerOptions): void {
  checkAnswerWithinMs(options.answerWithinMs);
  const deadAfterMs = options.deadWorkerAfterMs;
  if (deadAfterMs !== undefined && !(Number.isFinite(deadAfterMs) && deadAfterMs >= 1000)) {
    throw new QueueError(
      "QUEUE_OPTION",
      `deadWorkerAfterMs must be a number of milliseconds, 1000 or more (a reconnecting worker is gone from Redis a while), got ${String(deadAfterMs)}; leave it out for the default, ${DEFAULT_DEAD_AFTER_MS}.`,
      { details: { option: "deadWorkerAfterMs", value: String(deadAfterMs) } },
    );
  }
}
