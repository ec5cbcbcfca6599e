import {
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF_MS,
  DEFAULT_KEEP_FINISHED_MS,
  DEFAULT_KEEP_STOPPED_MS,
  DEFAULT_QUEUE_NAME,
} from "./queue-layout.ts";
import { DEFAULT_STALL_AFTER_MS, type QueueStall } from "./queue-stall.ts";
import { checkAnswerWithinMs, DEFAULT_UNREACHABLE_AFTER_MS } from "./redis-watchdog.ts";

/** Options of `redisQueue`. */
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
   * How long a connected Redis may leave a PING unanswered before it counts as away (default
   * 5000 ms; `onDown` is told, and `unreachableAfterMs` runs): a frozen server or a half-open
   * connection stays "connected" and answers nothing. Time the process's own event loop was blocked
   * does not count.
   */
  answerWithinMs?: number;
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
  /**
   * Told once per outage when Redis counts as away while the batch runs (it waits for Redis, up
   * to `unreachableAfterMs`), with a message naming the address, what was seen (a connection that
   * cannot be made, with its error, or a connected Redis that has not answered for
   * `answerWithinMs`) and how long it waits.
   */
  onDown?: (message: string) => void;
  /** Told when Redis answers again after an outage; the batch goes on. */
  onBack?: () => void;
}

/** {@link RedisQueueOptions} with every default filled in (the rate is applied once, at open). */
export type SettledOptions = Required<
  Omit<RedisQueueOptions, "rate" | "onStall" | "onDown" | "onBack" | "answerWithinMs">
> &
  Pick<RedisQueueOptions, "onStall" | "onDown" | "onBack" | "answerWithinMs">;

/** Fills in the defaults of `options`. */
export function settleOptions(options: RedisQueueOptions): SettledOptions {
  checkAnswerWithinMs(options.answerWithinMs);
  return {
    queueName: options.queueName ?? DEFAULT_QUEUE_NAME,
    attempts: options.attempts ?? DEFAULT_ATTEMPTS,
    backoffMs: options.backoffMs ?? DEFAULT_BACKOFF_MS,
    sweepMs: options.sweepMs ?? 2000,
    unreachableAfterMs: options.unreachableAfterMs ?? DEFAULT_UNREACHABLE_AFTER_MS,
    keepFinishedMs: options.keepFinishedMs ?? DEFAULT_KEEP_FINISHED_MS,
    keepStoppedMs: options.keepStoppedMs ?? DEFAULT_KEEP_STOPPED_MS,
    stallAfterMs: options.stallAfterMs ?? DEFAULT_STALL_AFTER_MS,
    ...(options.onStall ? { onStall: options.onStall } : {}),
    ...(options.onDown ? { onDown: options.onDown } : {}),
    ...(options.onBack ? { onBack: options.onBack } : {}),
    ...(options.answerWithinMs === undefined ? {} : { answerWithinMs: options.answerWithinMs }),
  };
}
