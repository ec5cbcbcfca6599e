import type { Redis } from "ioredis";
import { QueueError } from "./queue-error.ts";
import { redactedUrl } from "./redis-connection.ts";

/** How long a queue that was reached once waits for a lost Redis to come back (default). */
export const DEFAULT_UNREACHABLE_AFTER_MS = 60_000;

/** What {@link watchRedis} tells its owner. */
export interface RedisWatchHandlers {
  /** Redis stopped answering: told once per outage, with ioredis's last error. */
  onDown?: (reason: string) => void;
  /** Redis answers again after an outage. */
  onBack?: () => void;
  /** Redis has not answered for the whole allowance: give up (told once). */
  onGone(error: QueueError): void;
}

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
 * to do next. The check runs every second, on an unref'd timer.
 */
export function watchRedis(
  connections: readonly Redis[],
  url: string,
  afterMs: number,
  handlers: RedisWatchHandlers,
  what: string,
): RedisWatch {
  let downSince: number | undefined;
  let lastError = "";
  let gone = false;
  const onError = (error: Error): void => {
    lastError = error.message;
  };
  for (const c of connections) c.on("error", onError);
  const timer = setInterval(
    () => {
      if (gone) return;
      const ready = connections.every((c) => c.status === "ready");
      if (ready) {
        if (downSince !== undefined) handlers.onBack?.();
        downSince = undefined;
        return;
      }
      if (downSince === undefined) {
        downSince = Date.now();
        handlers.onDown?.(lastError || "connection closed");
        return;
      }
      if (Date.now() - downSince < afterMs) return;
      gone = true;
      const seconds = Math.round((Date.now() - downSince) / 1000);
      handlers.onGone(
        new QueueError(
          "QUEUE_UNREACHABLE",
          `Lost Redis at ${redactedUrl(url)} and could not reach it again for ${seconds} s (${lastError || "connection closed"}); ${what}`,
          { details: { url: redactedUrl(url), afterMs } },
        ),
      );
    },
    Math.min(1000, Math.max(50, afterMs / 4)),
  );
  timer.unref();
  return {
    get gone() {
      return gone;
    },
    get down() {
      return downSince !== undefined;
    },
    stop() {
      clearInterval(timer);
      for (const c of connections) c.off("error", onError);
    },
  };
}
