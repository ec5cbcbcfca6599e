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
