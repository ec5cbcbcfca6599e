/*
 * The forced close of a worker, on a real redis-server: Redis dies while a worker closes normally
 * (its item in flight, BullMQ's close under way) and stays away longer than the worker waits for
 * it, and the worker's process still exits, in bounded time, with Redis still down; the item goes
 * to another worker once Redis is back, and finishes once. And the BullMQ internals the forced
 * close stops are still where it looks for them.
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { batchStatus } from "@catena/queue";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { stopWorkerTimers } from "../packages/queue/src/bullmq-worker-timers.ts";
import { closingWorkerWithItem } from "./support/closing-worker.ts";
import { useTestRedis } from "./support/redis.ts";
import { until } from "./support/until.ts";

const redis = useTestRedis();

describe("a worker whose Redis dies while it closes, for longer than it waits", () => {
  it("still exits in bounded time; its item finishes once, on another worker, once Redis is back", async () => {
    // The worker waits 4 s for Redis, which stays away 12 s.
    const closing = await closingWorkerWithItem(redis.url, { name: "force-close", unreachableAfterMs: 4000 });
    const { child } = closing;
    try {
      // The normal close began with Redis up, and waits for the item in flight; Redis dies under it.
      const restarted = redis.restart({ downMs: 12_000 });
      await new Promise((r) => setTimeout(r, 300));
      // The item ends, and its result cannot be stored: BullMQ's close would wait for Redis for
      // good. The worker waits for it to store the result, for its 4 s, then gives up.
      closing.release();
      const released = Date.now();
      await until(
        () => closing.exitedAt() !== undefined,
        () => `the worker did not exit: ${child.said()}`,
      );
      expect(await child.exited, child.said()).toBe(0);
      expect(child.said()).toContain("closed\n");
      expect(child.said()).toMatch(
        /down: .*the worker is closing: its item in flight goes on, and it waits up to 4 s/,
      );
      // Redis is still down (12 s): the worker did not wait for it past its allowance.
      expect((closing.exitedAt() as number) - released).toBeLessThan(10_000);
      await restarted;

      await closing.startOther();
      await expect(closing.result).resolves.toMatchObject({
        status: "done",
        output: { n: 0, pid: process.pid },
      });
      expect(
        (await batchStatus(redis.url, "force-close", { queueName: closing.queueName })).counts,
      ).toMatchObject({
        done: 1,
      });
    } finally {
      await closing.cleanUp();
    }
  }, 90_000);
});

/** The part of BullMQ's Worker this test uses (the tests package does not depend on BullMQ itself). */
interface BullWorker {
  waitUntilReady(): Promise<unknown>;
  close(force?: boolean): Promise<void>;
}

describe("stopWorkerTimers on this BullMQ's Worker", () => {
  it("finds and stops both timers (fails when a BullMQ upgrade moved them: see bullmq-worker-timers.ts)", async () => {
    const require = createRequire(import.meta.resolve("@catena/queue"));
    const { Worker } = (await import(pathToFileURL(require.resolve("bullmq")).href)) as {
      Worker: new (
        name: string,
        processor: () => Promise<void>,
        options: { connection: Redis; prefix: string; stalledInterval: number },
      ) => BullWorker;
    };
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const worker = new Worker(`timers-${Date.now()}`, async () => undefined, {
      connection,
      prefix: "bull",
      stalledInterval: 60_000,
    });
    try {
      await worker.waitUntilReady();
      // The stalled-job check runs once at the start, then waits: its stopper exists from then on.
      let stopped = stopWorkerTimers(worker);
      for (const end = Date.now() + 10_000; !stopped.stalledCheck && Date.now() < end; ) {
        await new Promise((r) => setTimeout(r, 50));
        stopped = stopWorkerTimers(worker);
      }
      expect(stopped).toEqual({ lockRenewal: true, stalledCheck: true });
    } finally {
      await worker.close(true);
      connection.disconnect();
    }
  }, 30_000);
});
