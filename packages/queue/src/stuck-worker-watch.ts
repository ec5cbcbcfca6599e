import type { Redis } from "ioredis";
import { KEY_PREFIX } from "./queue-layout.ts";

/** How long a worker that runs nothing may take nothing while an item waits before it counts as stuck (default). */
export const DEFAULT_STUCK_AFTER_MS = 30_000;

/** What {@link watchForStuck} reads of its worker, and what it asks of it. */
export interface StuckWatchOptions {
  /** The worker's own connection (not BullMQ's blocking one, which is what may hang). */
  connection: Redis;
  queueName: string;
  /** 0: never watch. */
  stuckAfterMs: number;
  /** True while taking nothing is no sign (closing, Redis away, items running here). */
  mayTakeNothing: () => boolean;
  closing: () => boolean;
  /** When the worker last took an item (ms since the epoch). */
  takenAt: () => number;
  onStuck: (message: string) => void;
  /** Starts the worker again on new connections. */
  restart: () => void;
}

/**
 * Watches a worker that takes nothing while the same item waits at the head of its queue for
 * `stuckAfterMs`: its blocking connection to Redis no longer answers (a half-open socket, a
 * reconnect that never ended), and BullMQ would wait on it for ever. It then says so and restarts
 * the worker. Checks run on an unref'd timer, one at a time.
 */
export function watchForStuck(options: StuckWatchOptions): { stop(): void } {
  const { connection, queueName, stuckAfterMs } = options;
  /** The item seen first at the head of the queue while the worker ran none, and when. */
  let suspect: { id: string; at: number } | undefined;
  let checking = false;
  const check = async (): Promise<void> => {
    if (options.mayTakeNothing()) {
      suspect = undefined;
      return;
    }
    const head = await waitingHead(connection, queueName);
    const now = Date.now();
    if (head === undefined || options.takenAt() >= (suspect?.at ?? now) || head !== suspect?.id) {
      suspect = head === undefined ? undefined : { id: head, at: now };
      return;
    }
    if (now - suspect.at < stuckAfterMs || options.closing()) return;
    options.onStuck(
      `took no item for ${Math.round((now - suspect.at) / 1000)} s although item ${head} waits at the head of queue ${queueName} and none runs here: its connection to Redis no longer answers; starting again on new connections`,
    );
    suspect = undefined;
    options.restart();
  };
  if (stuckAfterMs <= 0) return { stop: () => undefined };
  const timer = setInterval(
    () => {
      if (checking) return;
      checking = true;
      void check()
        .catch(() => undefined)
        .finally(() => {
          checking = false;
        });
    },
    Math.max(50, Math.min(5000, stuckAfterMs / 4)),
  );
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/**
 * The id of the oldest item waiting on the queue (BullMQ's wait list takes new items on the left),
 * or undefined when none waits, or when the queue is paused or rate-limited (items then wait on purpose).
 */
async function waitingHead(connection: Redis, queueName: string): Promise<string | undefined> {
  const key = `${KEY_PREFIX}:${queueName}`;
  const [head, paused, limited] = await Promise.all([
    connection.lindex(`${key}:wait`, -1),
    connection.hexists(`${key}:meta`, "paused"),
    connection.pttl(`${key}:limiter`),
  ]);
  if (head === null || paused === 1 || limited > 0) return undefined;
  return head;
}
