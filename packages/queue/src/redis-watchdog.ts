import type { Redis } from "ioredis";
import { QueueError } from "./queue-error.ts";
import { goneMessage, type RedisAway } from "./redis-away.ts";
import { redactedUrl } from "./redis-connection.ts";

/** How long a queue that was reached once waits for a lost Redis to come back (default). */
export const DEFAULT_UNREACHABLE_AFTER_MS = 60_000;

/** What {@link watchRedis} tells its owner. */
export interface RedisWatchHandlers {
  /**
   * Redis counts as away: told once per outage, with what was seen (a connection down, with
   * ioredis's last error, or a PING unanswered on a connection that is up).
   */
  onDown?: (away: RedisAway) => void;
  /** Redis answers again after an outage. */
  onBack?: () => void;
  /** Redis has not answered for the whole allowance: give up (told once). */
  onGone(error: QueueError): void;
}

/** A connection watched for being connected only (ioredis's, or BullMQ's client interface). */
export interface ConnectionStatus {
  readonly status: string;
  on(event: "error", listener: (error: Error) => void): unknown;
  off(event: "error", listener: (error: Error) => void): unknown;
}

/** What else {@link watchRedis} watches, and how. */
export interface RedisWatchOptions {
  /**
   * BullMQ's own blocking connections (the worker's BZPOPMIN, the queue events' XREAD): watched for
   * being connected only, as a command sent on them waits behind the blocking one. BullMQ makes
   * them as duplicates of the connections it is given, so watching those alone missed them.
   */
  blocking?: readonly ConnectionStatus[];
  /**
   * A connected Redis that leaves a PING unanswered this long counts as away too (default 5000 ms):
   * a frozen server (SIGSTOP, a stalled VM) or a half-open socket keeps the connection "ready",
   * and its commands would wait in silence. Only time the process could have read the answer in
   * counts: an event loop blocked meanwhile (a model loading, a big JSON.parse) is not Redis's fault.
   */
  answerWithinMs?: number;
}

/** How long a PING may go unanswered before a connected Redis counts as away (default). */
export const DEFAULT_ANSWER_WITHIN_MS = 5000;

/**
 * Throws a {@link QueueError} (`QUEUE_OPTION`) unless `ms`, an `answerWithinMs`, is a finite number
 * of 1000 or more: the watch looks once a second, so that 0 would count every look as Redis away,
 * and NaN would never count Redis as away (as the CLI's `--redis-answer-within`, 1 s or more).
 */
export function checkAnswerWithinMs(ms: number | undefined): void {
  if (ms === undefined || (Number.isFinite(ms) && ms >= 1000)) return;
  throw new QueueError(
    "QUEUE_OPTION",
    `answerWithinMs must be a number of milliseconds, 1000 or more (Redis is checked once a second), got ${String(ms)}; leave it out for the default, ${DEFAULT_ANSWER_WITHIN_MS}.`,
    { details: { option: "answerWithinMs", value: String(ms) } },
  );
}

/** How long a blocking connection may be down before it counts (BullMQ remakes them itself). */
const BLOCKING_GRACE_MS = 1500;

/**
 * How long a connection new to the watch (one replacing another, as when a stuck worker starts
 * again) may take to connect before its not being ready counts.
 */
const NEW_CONNECTION_GRACE_MS = 5000;

/** A running watch; {@link RedisWatch.stop} ends it. */
export interface RedisWatch {
  /** True once Redis has been away for longer than the allowance. */
  readonly gone: boolean;
  /** True while any watched connection is not ready. */
  readonly down: boolean;
  stop(): void;
}

/**
 * Watches connections to one Redis. The connections reconnect forever (`maxRetriesPerRequest:
 * null`, so a restart is ridden out), and their commands wait meanwhile: without a bound, a Redis
 * that never comes back leaves a batch or a worker waiting in silence. After `afterMs` without a
 * ready connection, `onGone` gets a `QUEUE_UNREACHABLE` error naming the address, how long, and what
 * to do next. Each of `connections` is also sent a PING per check: one left unanswered for
 * `answerWithinMs` counts as Redis being away (see {@link RedisWatchOptions}). The lists may be
 * changed in place (a worker started again on new connections). The check runs every second at
 * most, on an unref'd timer.
 */
export function watchRedis(
  connections: readonly Redis[],
  url: string,
  afterMs: number,
  handlers: RedisWatchHandlers,
  what: string,
  options: RedisWatchOptions = {},
): RedisWatch {
  const blocking = options.blocking ?? [];
  const answerWithinMs = options.answerWithinMs ?? DEFAULT_ANSWER_WITHIN_MS;
  let downSince: number | undefined;
  /** When the first sign of the outage was: a PING's sending, or a connection seen down. */
  let awaySince: number | undefined;
  let lastError = "";
  let gone = false;
  let blockingDownSince: number | undefined;
  /** When each connection's PING still unanswered was sent. */
  const pinged = new Map<Redis, number>();
  /** When each connection was first seen, until it was ready once. */
  const joined = new WeakMap<Redis, number>();
  const wasReady = new WeakSet<Redis>();
  const onError = (error: Error): void => {
    lastError = error.message;
  };
  const listened = new Set<ConnectionStatus>();
  const listen = (): void => {
    for (const c of [...connections, ...blocking]) {
      if (listened.has(c)) continue;
      listened.add(c);
      c.on("error", onError);
    }
  };
  /** Whether `c` is ready, or new to the watch and still connecting for the first time. */
  const readyOrJoining = (c: Redis, now: number): boolean => {
    if (c.status === "ready") {
      wasReady.add(c);
      joined.delete(c);
      return true;
    }
    if (wasReady.has(c)) return false;
    const since = joined.get(c) ?? now;
    joined.set(c, since);
    return now - since < NEW_CONNECTION_GRACE_MS;
  };
  /** What makes Redis count as away now, or undefined while every connection is ready and answers. */
  const away = (now: number): { away: RedisAway; since: number } | undefined => {
    listen();
    let oldest: number | undefined;
    for (const c of connections) {
      const sentAt = pinged.get(c);
      if (sentAt !== undefined && now - sentAt >= answerWithinMs) {
        oldest = Math.min(oldest ?? sentAt, sentAt);
      } else if (sentAt === undefined && c.status === "ready") {
        pinged.set(c, now);
        c.ping().then(
          () => pinged.delete(c),
          () => pinged.delete(c),
        );
      }
    }
    // BullMQ drops and remakes a blocking connection itself now and then (a block that outlived its
    // timeout): only one that stays down for a while counts.
    if (blocking.every((c) => c.status === "ready")) blockingDownSince = undefined;
    else blockingDownSince ??= now;
    const blockingDown = blockingDownSince !== undefined && now - blockingDownSince >= BLOCKING_GRACE_MS;
    const connectionsReady = connections.map((c) => readyOrJoining(c, now)).every(Boolean);
    // A connection down says more than a PING waiting on it (it waits for the reconnection).
    if (blockingDown || !connectionsReady) {
      return { away: { kind: "unreachable", error: lastError || "connection closed" }, since: now };
    }
    if (oldest !== undefined) return { away: { kind: "unanswered", forMs: now - oldest }, since: oldest };
    return undefined;
  };
  const check = (): void => {
    if (gone) return;
    const now = Date.now();
    const seen = away(now);
    if (seen === undefined) {
      if (downSince !== undefined) handlers.onBack?.();
      downSince = undefined;
      awaySince = undefined;
      return;
    }
    if (downSince === undefined) {
      downSince = now;
      awaySince = seen.since;
      handlers.onDown?.(seen.away);
      return;
    }
    if (now - downSince < afterMs) return;
    gone = true;
    handlers.onGone(
      new QueueError("QUEUE_UNREACHABLE", goneMessage(url, seen.away, now - (awaySince ?? downSince), what), {
        details: { url: redactedUrl(url), afterMs },
      }),
    );
  };
  let stopped = false;
  const timer = setInterval(
    // Timers run before the sockets are read: after the event loop was blocked (a model loading, a
    // big JSON.parse), a PING answered meanwhile would still look unanswered. The check waits for
    // the turn's reads (setImmediate runs after them), where that answer is taken.
    () =>
      setImmediate(() => {
        if (!stopped) check();
      }),
    Math.min(1000, Math.max(50, afterMs / 4)),
  );
  timer.unref();
  // A first look at once: a connection is known as connected only once a check saw it ready, and an
  // outage within the first interval (a worker closed and Redis restarted right after its start)
  // would pass for one still joining.
  setImmediate(() => {
    if (!stopped) check();
  });
  return {
    get gone() {
      return gone;
    },
    get down() {
      return downSince !== undefined;
    },
    stop() {
      stopped = true;
      clearInterval(timer);
      for (const c of listened) c.off("error", onError);
    },
  };
}
