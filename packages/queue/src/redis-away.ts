import { redactedUrl } from "./redis-connection.ts";

/**
 * What the Redis watch sees when it counts Redis as away: a connection that is not there (refused,
 * reset, closed: ioredis reconnects), or a connection that is there and leaves a PING unanswered (a
 * server busy with one slow command, frozen, or a network cut that left the socket half-open). Told
 * apart because the second is not "lost": it may answer any moment, with everything it had.
 */
export type RedisAway =
  /** A connection is down; `error` is ioredis's last error (or "connection closed"). */
  | { kind: "unreachable"; error: string }
  /** Every connection is up, and a PING has gone unanswered for `forMs`. */
  | { kind: "unanswered"; forMs: number };

/**
 * The line said once per outage, for a person: what is seen, and how long the batch or worker waits
 * for it before it gives up (`waitMs`, `unreachableAfterMs`). For a worker that is closing,
 * `closingInFlight` is how many of its items are in flight (their chain runs, or their result waits
 * to be stored): it waits for Redis for their results, or, with none, stops at once.
 *
 * @example
 * awayMessage("redis://10.0.0.5:6379", { kind: "unanswered", forMs: 5000 }, 60_000)
 * // "Redis at redis://10.0.0.5:6379 has not answered for 5 s (its connection is open: a slow command, a frozen server or a cut network); waiting up to 60 s for an answer"
 */
export function awayMessage(url: string, away: RedisAway, waitMs: number, closingInFlight?: number): string {
  const wait = `${seconds(waitMs)} s`;
  const seen =
    away.kind === "unanswered"
      ? `Redis at ${redactedUrl(url)} has not answered for ${seconds(away.forMs)} s (its connection is open: a slow command, a frozen server or a cut network)`
      : `cannot reach Redis at ${redactedUrl(url)} (${away.error})`;
  if (closingInFlight === 0) {
    return `${seen}; the worker is closing and stops now, as it has no item in flight`;
  }
  if (closingInFlight !== undefined) {
    const items = closingInFlight === 1 ? "item in flight goes" : `${closingInFlight} items in flight go`;
    return `${seen}; the worker is closing: its ${items} on, and it waits up to ${wait} for Redis to store the results`;
  }
  return away.kind === "unanswered"
    ? `${seen}; waiting up to ${wait} for an answer`
    : `${seen}; reconnecting for up to ${wait}`;
}

/**
 * The message of the `QUEUE_UNREACHABLE` error once the wait ran out: what was seen last, for how
 * long in all (`forMs`), then `what` (what became of the work, and what to do).
 */
export function goneMessage(url: string, away: RedisAway, forMs: number, what: string): string {
  if (away.kind === "unanswered") {
    return `Redis at ${redactedUrl(url)} has not answered for ${seconds(forMs)} s (its connection stayed open, and a PING got no answer); ${what}`;
  }
  return `Could not reach Redis at ${redactedUrl(url)} for ${seconds(forMs)} s (${away.error}); ${what}`;
}

/** Whole seconds, or tenths below 10 s (a PING deadline of 0.5 s is not "0 s"). */
function seconds(ms: number): number {
  return ms < 10_000 ? Math.round(ms / 100) / 10 : Math.round(ms / 1000);
}
