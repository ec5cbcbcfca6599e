/*
 * The Redis watch of batches and workers, on a real redis-server: it tells a Redis that stops
 * answering, and not a process that was busy, nor a new connection still connecting.
 */
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { watchRedis } from "../packages/queue/src/redis-watchdog.ts";
import { useTestRedis } from "./support/redis.ts";

const redis = useTestRedis();
const opened: Redis[] = [];
const connect = (): Redis => {
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  connection.on("error", () => undefined);
  opened.push(connection);
  return connection;
};
afterEach(() => {
  for (const connection of opened.splice(0)) connection.disconnect();
});

/** Blocks this process's event loop for `ms` (as loading a model or parsing a big JSON does), idle. */
function block(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("watching Redis", () => {
  it("does not count a PING answered while the process was blocked as unanswered", async () => {
    const connection = connect();
    await connection.ping();
    // Right after each PING of the watch, before its answer is read, the process is busy for
    // longer than the PING may take. Timers run before the sockets are read: the next check saw
    // the PING "unanswered" for that long and told a lost Redis.
    const ping = connection.ping.bind(connection);
    let blocks = 0;
    Object.assign(connection, {
      ping: () => {
        const answered = ping();
        if (blocks++ < 3) setImmediate(() => block(1100));
        return answered;
      },
    });
    const told: string[] = [];
    const watch = watchRedis(
      [connection],
      redis.url,
      60_000,
      {
        onDown: (away) => told.push(`down: ${away.kind}`),
        onBack: () => told.push("back"),
        onGone: () => undefined,
      },
      "",
      { answerWithinMs: 300 },
    );
    try {
      await sleep(6000);
      expect(blocks).toBeGreaterThanOrEqual(3);
      expect(told).toEqual([]);
    } finally {
      watch.stop();
    }
  }, 30_000);

  it("still tells a frozen Redis that leaves the PING unanswered", async () => {
    const connection = connect();
    await connection.ping();
    const told: string[] = [];
    const watch = watchRedis(
      [connection],
      redis.url,
      60_000,
      {
        onDown: (away) => told.push(`down: ${away.kind}`),
        onBack: () => told.push("back"),
        onGone: () => undefined,
      },
      "",
      { answerWithinMs: 300 },
    );
    try {
      redis.pause();
      await sleep(2500);
      expect(told).toEqual(["down: unanswered"]);
    } finally {
      redis.resume();
    }
    try {
      await sleep(2500);
      expect(told.at(-1)).toBe("back");
    } finally {
      watch.stop();
    }
  }, 30_000);

  it("gives a connection that replaces another time to connect before it counts", async () => {
    const first = connect();
    await first.ping();
    const watched = [first];
    const told: string[] = [];
    const watch = watchRedis(
      watched,
      redis.url,
      60_000,
      {
        onDown: (away) => told.push(`down: ${away.kind}`),
        onBack: () => told.push("back"),
        onGone: () => undefined,
      },
      "",
    );
    try {
      await sleep(1200);
      // A replacement still connecting (here: held back for 2 s), as a worker started again has.
      const replacement = new Redis(redis.url, { maxRetriesPerRequest: null, lazyConnect: true });
      replacement.on("error", () => undefined);
      opened.push(replacement);
      watched[0] = replacement;
      first.disconnect();
      await sleep(2000);
      await replacement.connect();
      await sleep(1500);
      expect(told).toEqual([]);
    } finally {
      watch.stop();
    }
  }, 30_000);
});
