import { Redis } from "ioredis";
import { QueueError } from "./queue-error.ts";

/**
 * A new Redis connection for BullMQ. Commands wait through a Redis restart instead of failing
 * (`maxRetriesPerRequest: null`, which BullMQ's workers require anyway), so a batch rides out an
 * outage and carries on.
 */
export function redisConnection(url: string): Redis {
  checkRedisUrl(url);
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  // Connection errors are retried by ioredis; without a listener it would also print each one.
  connection.on("error", () => undefined);
  return connection;
}

/**
 * Waits until `connection` is ready, at most `timeoutMs`: a command given a Redis that is not
 * there fails in seconds with `QUEUE_UNREACHABLE` instead of waiting forever (the retries that
 * ride out a restart are for a queue that was reached once). The connection is closed on failure.
 */
export async function reachRedis(connection: Redis, url: string, timeoutMs = 5000): Promise<void> {
  if (connection.status === "ready") return;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      new Promise<void>((resolve) => connection.once("ready", () => resolve())),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new QueueError(
                "QUEUE_UNREACHABLE",
                `No Redis answered at ${redactedUrl(url)} within ${timeoutMs / 1000} s: start redis-server there, or give the right --queue redis://host:port.`,
                { details: { url: redactedUrl(url), timeoutMs } },
              ),
            ),
          timeoutMs,
        );
      }),
    ]);
  } catch (error) {
    connection.disconnect();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** The URL without its password, for messages. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return url;
  }
}

/** Throws a {@link QueueError} (`QUEUE_URL`) unless `url` is a `redis://` or `rediss://` URL. */
export function checkRedisUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new QueueError(
      "QUEUE_URL",
      `The queue address ${JSON.stringify(url)} is not a URL; give redis://host:6379.`,
    );
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new QueueError(
      "QUEUE_URL",
      `The queue address ${JSON.stringify(url)} is not a Redis URL; give redis://host:6379 (or rediss:// for TLS).`,
    );
  }
}
