/*
 * The forced close of a worker, on a real redis-server: Redis dies while a worker closes normally
 * (its item in flight, BullMQ's close under way), and the worker's process still exits, in bounded
 * time, with Redis still down; the item goes to another worker once Redis is back, and finishes
 * once. And the BullMQ internals the forced close stops are still where it looks for them.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ChainRegistry } from "@catena/core";
import { batchStatus, redisQueue, startWorker } from "@catena/queue";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { stopWorkerTimers } from "../packages/queue/src/bullmq-worker-timers.ts";
import { heldChain } from "./fixtures/queue/held-chain.ts";
import { spawnFixture } from "./support/fixture-process.ts";
import { useTestRedis } from "./support/redis.ts";

const redis = useTestRedis();

async function until(condition: () => boolean, what: () => string, ms = 20_000): Promise<void> {
  for (const end = Date.now() + ms; !condition(); ) {
    if (Date.now() > end) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("a worker whose Redis dies while it closes", () => {
  it("still exits in bounded time; its item finishes once, on another worker, once Redis is back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "catena-force-close-"));
    const queueName = `force-close-${Date.now()}`;
    const child = spawnFixture("queue/worker-close-redis-dies.ts", [redis.url, queueName]);
    let exitedAt: number | undefined;
    void child.exited.then(() => {
      exitedAt = Date.now();
    });
    const batch = await redisQueue(redis.url, { queueName, sweepMs: 200 }).open({
      batchId: "force-close",
      chain: { name: heldChain.name, version: heldChain.version, fingerprint: heldChain.fingerprint },
      resume: false,
      retryFailed: false,
      run: {},
    });
    let other: Awaited<ReturnType<typeof startWorker>> | undefined;
    try {
      await until(
        () => child.said().includes("ready\n"),
        () => child.said(),
      );
      const result = batch.run(0, { n: 0, dir });
      // Rejected by the batch's close when the test fails before it is awaited.
      result.catch(() => undefined);
      await until(
        () => existsSync(join(dir, "started-0")),
        () => child.said(),
      );
      // The normal close begins with Redis up, and waits for the item in flight; Redis dies under it.
      child.tell("close");
      await until(
        () => child.said().includes("closing\n"),
        () => child.said(),
      );
      const restarted = redis.restart({ downMs: 12_000 });
      await new Promise((r) => setTimeout(r, 300));
      // The item ends, and its result cannot be stored: BullMQ's close would wait for Redis for
      // good, and so did the worker's, for its item to be counted.
      writeFileSync(join(dir, "release"), "");
      const released = Date.now();
      await until(
        () => exitedAt !== undefined,
        () => `the worker did not exit: ${child.said()}`,
      );
      expect(await child.exited, child.said()).toBe(0);
      expect(child.said()).toContain("closed\n");
      // Redis is still down (12 s): the worker did not wait for it.
      expect((exitedAt as number) - released).toBeLessThan(10_000);
      await restarted;

      other = await startWorker({
        url: redis.url,
        queueName,
        chains: new ChainRegistry([heldChain]),
        stalledIntervalMs: 500,
      });
      await expect(result).resolves.toMatchObject({ status: "done", output: { n: 0, pid: process.pid } });
      expect((await batchStatus(redis.url, "force-close", { queueName })).counts).toMatchObject({ done: 1 });
    } finally {
      child.kill("SIGKILL");
      await other?.close();
      await batch.close({ complete: true });
      rmSync(dir, { recursive: true, force: true });
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
