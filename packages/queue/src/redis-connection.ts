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
 * ride out a restart are for a queue that was reached once). A Redis that wants a password the
 * address lacks, or refuses the one it gives, fails at once with `QUEUE_AUTH`: waiting would not
 * help, and "no Redis answered" would send the user looking for a server that runs. The connection
 * is closed on failure.
 */
export async function reachRedis(connection: Redis, url: string, timeoutMs = 5000): Promise<void> {
  if (connection.status === "ready") return;
  let timer: NodeJS.Timeout | undefined;
  let onError: ((error: Error) => void) | undefined;
  try {
    await Promise.race([
      new Promise<void>((resolve) => connection.once("ready", () => resolve())),
      new Promise<never>((_, reject) => {
        onError = (error) => {
          const refused = authRefusal(error, url);
          if (refused) reject(refused);
        };
        connection.on("error", onError);
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
    if (onError) connection.off("error", onError);
  }
}

/** A `QUEUE_AUTH` error when `error` is Redis refusing the address's credentials (or their lack). */
function authRefusal(error: Error, url: string): QueueError | undefined {
  const details = { url: redactedUrl(url) };
  if (error.message.startsWith("NOAUTH")) {
    return new QueueError(
      "QUEUE_AUTH",
      `Redis at ${redactedUrl(url)} requires a password: give it in the address, redis://:<password>@host:port (or redis://<user>:<password>@host:port for an ACL user).`,
      { details },
    );
  }
  if (error.message.startsWith("WRONGPASS") || /^ERR (invalid password|AUTH)/.test(error.message)) {
    return new QueueError(
      "QUEUE_AUTH",
      `Redis at ${redactedUrl(url)} refused the ${new URL(url).username ? "user and password" : "password"} of the address (${error.message}): give the right one, redis://:<password>@host:port.`,
      { details },
    );
  }
  return undefined;
}

/**
 * The URL without its password, for messages. An address that does not parse has anything between
 * its `//` (or its start) and its last `@` hidden: a password in a mistyped address is still one.
 */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return url.replace(/^((?:[^@]*?\/\/)?)[\s\S]*@/, "$1***@");
  }
}

/**
 * The URL with `<password>` in place of its password, for a command the user is told to run: one
 * with `***` in it cannot be copied and run as it is.
 */
export function passwordPlaceholderUrl(url: string): string {
  return redactedUrl(url).replace(":***@", ":<password>@");
}

/** Throws a {@link QueueError} (`QUEUE_URL`) unless `url` is a `redis://` or `rediss://` URL. */
export function checkRedisUrl(url: string): void {
  let parsed: URL;
  // Messages never repeat a password: they end up in terminals, logs and CI output.
  const shown = JSON.stringify(redactedUrl(url));
  try {
    parsed = new URL(url);
  } catch {
    throw new QueueError("QUEUE_URL", `The queue address ${shown} is not a URL; give redis://host:6379.`);
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new QueueError(
      "QUEUE_URL",
      `The queue address ${shown} is not a Redis URL; give redis://host:6379 (or rediss:// for TLS).`,
    );
  }
}
