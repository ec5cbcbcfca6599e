/* runBatch(chain, inputs, { queue: redisQueue(url) }) from code, with an in-process worker on a real redis-server. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChainRegistry, code, defineChain, runBatch } from "@catena/core";
import { batchStatus, redisQueue, removeBatch, startWorker } from "@catena/queue";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { startRedis, type TestRedis } from "./support/redis.ts";

const double = defineChain({
  name: "double",
  version: "1.0.0",
  input: z.object({ n: z.number() }),
  output: z.object({ twice: z.number() }),
  flow: code("double", ({ n }: { n: number }) => {
    if (n === 7) throw new Error("seven is unlucky");
    return { twice: n * 2 };
  }),
});

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
}, 900_000);
afterAll(async () => {
  await redis?.stop();
});

describe("runBatch(chain, inputs, { queue: redisQueue(url) })", () => {
  it("runs every item on a worker, retries failures with backoff, and records the last failure", async () => {
    const worker = await startWorker({ url: redis.url, chains: new ChainRegistry([double]), concurrency: 4 });
    try {
      const inputs = Array.from({ length: 20 }, (_, n) => ({ n }));
      const summary = await runBatch(double, inputs, {
        queue: redisQueue(redis.url, { backoffMs: 10 }),
        concurrency: 8,
      });
      expect(summary).toMatchObject({ status: "done", total: 20, done: 19, failed: 1 });
      const results = summary.results ?? [];
      expect(results.map((r) => r.index)).toEqual(inputs.map((_, i) => i));
      expect(results[3]).toMatchObject({ status: "done", output: { twice: 6 }, chain: "double" });
      expect(results[7]).toMatchObject({ status: "error", error: { code: "STEP_FAILED" } });
      const status = await batchStatus(redis.url, summary.batchId as string);
      // Item 7 ran three times: two retries, then recorded as failed.
      expect(status.counts).toMatchObject({ done: 19, failed: 1, retries: 2 });
      expect(status.recentFailures[0]).toMatchObject({ index: 7, code: "STEP_FAILED" });
    } finally {
      await worker.close();
    }
  }, 60_000);
});

describe("catena queue status after a rerun", () => {
  it("counts an item that ran again once, by its latest status (--retry-failed)", async () => {
    const failing = new Set([3, 5]);
    const flaky = defineChain({
      name: "flaky",
      version: "1.0.0",
      input: z.object({ n: z.number() }),
      output: z.object({ n: z.number() }),
      flow: code(
        "flaky",
        ({ n }: { n: number }) => {
          if (failing.has(n)) throw new Error(`item ${n} fails this time`);
          return { n };
        },
        { spec: { failing: "a set the test empties before the rerun" } },
      ),
    });
    const dir = mkdtempSync(join(tmpdir(), "catena-queue-rerun-"));
    const worker = await startWorker({ url: redis.url, chains: new ChainRegistry([flaky]), concurrency: 4 });
    try {
      const inputs = Array.from({ length: 10 }, (_, n) => ({ n }));
      const options = {
        queue: redisQueue(redis.url, { attempts: 1 }),
        checkpoint: join(dir, "out.jsonl"),
        concurrency: 4,
      };
      const first = await runBatch(flaky, inputs, options);
      expect(first).toMatchObject({ done: 8, failed: 2 });
      expect((await batchStatus(redis.url, first.batchId as string)).counts).toMatchObject({
        done: 8,
        failed: 2,
      });
      failing.clear();
      const again = await runBatch(flaky, inputs, { ...options, resume: true, retryFailed: true });
      expect(again.batchId).toBe(first.batchId);
      expect(again).toMatchObject({ done: 2, failed: 0, skipped: 8 });
      // Was done 10, failed 2: the two reruns were counted on top of their failures.
      expect((await batchStatus(redis.url, first.batchId as string)).counts).toMatchObject({
        done: 10,
        failed: 0,
      });
    } finally {
      await worker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("a batch's own keys in Redis (record, failures, item bitmaps)", () => {
  it("expire once every item finished, stay while it is resumed, and go with removeBatch for good", async () => {
    let failOnce = true;
    let started: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const gated = defineChain({
      name: "gated",
      version: "1.0.0",
      input: z.object({ n: z.number() }),
      output: z.object({ n: z.number() }),
      flow: code(
        "gated",
        async ({ n }: { n: number }) => {
          if (n === 2 && failOnce) {
            failOnce = false;
            throw new Error("item 2 fails the first time");
          }
          if (n === 2) {
            started();
            await gate;
          }
          return { n };
        },
        { spec: { failOnce: "item 2 fails once", gate: "the test holds item 2's rerun" } },
      ),
    });
    const dir = mkdtempSync(join(tmpdir(), "catena-queue-keys-"));
    const keys = new Redis(redis.url);
    const worker = await startWorker({ url: redis.url, chains: new ChainRegistry([gated]), concurrency: 4 });
    try {
      const inputs = Array.from({ length: 3 }, (_, n) => ({ n }));
      const options = {
        queue: redisQueue(redis.url, { attempts: 1, keepFinishedMs: 60_000 }),
        checkpoint: join(dir, "out.jsonl"),
        concurrency: 4,
      };
      const first = await runBatch(gated, inputs, options);
      expect(first).toMatchObject({ done: 2, failed: 1 });
      const own = await keys.keys(`bull:catena-batches:catena-batch:${first.batchId}*`);
      expect(own.map((k) => k.split(":").slice(4).join(":")).sort()).toEqual([
        "",
        "failures",
        "items:done",
        "items:error",
      ]);
      // Before, they stayed for good: every batch ever run left its bitmaps behind.
      for (const key of own) expect(await keys.pttl(key)).toBeGreaterThan(50_000);

      const again = runBatch(gated, inputs, { ...options, resume: true, retryFailed: true });
      await running;
      // A resumed batch is running again: its keys no longer expire under it.
      for (const key of own) expect(await keys.pttl(key)).toBe(-1);
      expect(await removeBatch(redis.url, first.batchId as string)).toBe(0); // item 2 is running
      expect(await keys.keys(`bull:catena-batches:catena-batch:${first.batchId}*`)).toEqual([]);
      await expect(batchStatus(redis.url, first.batchId as string)).rejects.toThrow(/No batch/);
      release();
      expect(await again).toMatchObject({ done: 1, skipped: 2 });
      // The rerun of item 2 finished after the removal: it is not counted back into new bitmaps.
      expect(await keys.keys(`bull:catena-batches:catena-batch:${first.batchId}*`)).toEqual([]);
      expect(await keys.keys(`bull:catena-batches:${first.batchId}-*`)).toEqual([]);
    } finally {
      release();
      await worker.close();
      keys.disconnect();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
