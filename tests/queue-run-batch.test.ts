/* runBatch(chain, inputs, { queue: redisQueue(url) }) from code, with an in-process worker on a real redis-server. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChainRegistry, code, defineChain, llm, runBatch } from "@catena/core";
import { batchStatus, cancelBatch, itemJobId, redisQueue, removeBatch, startWorker } from "@catena/queue";
import { startOpenAiTestServer } from "@catena/testing";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { bullmqQueue } from "./support/bullmq-queue.ts";
import { useTestRedis } from "./support/redis.ts";

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

const redis = useTestRedis();

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

      const again = runBatch(gated, inputs, { ...options, resume: true, retryFailed: true }).then(
        () => undefined,
        (error: unknown) => error,
      );
      await running;
      // A resumed batch is running again: its keys no longer expire under it.
      for (const key of own) expect(await keys.pttl(key)).toBe(-1);
      // Item 2 is running and its submitter with it: removing it now would leave both unaccounted.
      await expect(removeBatch(redis.url, first.batchId as string)).rejects.toMatchObject({
        code: "QUEUE_BATCH_RUNNING",
        message: expect.stringContaining(`cancel it first with \`catena queue cancel ${first.batchId}\``),
      });
      expect(await cancelBatch(redis.url, first.batchId as string)).toBe(0);
      expect(await removeBatch(redis.url, first.batchId as string)).toBe(0);
      expect(await keys.keys(`bull:catena-batches:catena-batch:${first.batchId}*`)).toEqual([]);
      await expect(batchStatus(redis.url, first.batchId as string)).rejects.toThrow(/No batch/);
      // The submitter stops (cancelled, or removed when the removal came before its next sweep).
      expect(await again).toMatchObject({ code: expect.stringMatching(/^QUEUE_BATCH_(CANCELLED|REMOVED)$/) });
      const finishedBefore = worker.finished;
      release();
      await waitFor(async () => worker.finished > finishedBefore);
      // What the worker was running when it was removed finishes, and its job goes too (it used
      // to stay as a completed job for good: nobody collects a removed batch's items).
      await waitFor(async () => (await keys.keys(`bull:catena-batches:${first.batchId}-*`)).length === 0);
      // The rerun of item 2 finished after the removal: it is not counted back into new bitmaps.
      expect(await keys.keys(`bull:catena-batches:catena-batch:${first.batchId}*`)).toEqual([]);
    } finally {
      release();
      await worker.close();
      keys.disconnect();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("a batch stopped early at its budget", () => {
  it("keeps its counts in Redis for its resume (long, not for good), then expires once the resume ran to the end", async () => {
    const server = await startOpenAiTestServer(() => ({ json: { label: "billing" } }));
    const priced = defineChain({
      name: "priced",
      version: "1.0.0",
      input: z.object({ text: z.string() }),
      output: z.looseObject({ label: z.string() }),
      flow: llm("route", {
        model: "openai:gpt-4.1-mini-2025-04-14",
        prompt: "Route: {text}",
        labels: ["billing", "other"],
        baseURL: server.url,
        apiKey: "t",
        logprobs: false,
      }),
    });
    const dir = mkdtempSync(join(tmpdir(), "catena-queue-stopped-"));
    const keys = new Redis(redis.url);
    const worker = await startWorker({ url: redis.url, chains: new ChainRegistry([priced]), concurrency: 1 });
    try {
      const inputs = Array.from({ length: 4 }, (_, n) => ({ text: `refund ${n}` }));
      const options = {
        queue: redisQueue(redis.url, { keepFinishedMs: 60_000, keepStoppedMs: 600_000 }),
        checkpoint: join(dir, "out.jsonl"),
        concurrency: 1,
      };
      // The first item's cost makes the next one pass the budget: the batch stops after it.
      const first = await runBatch(priced, inputs, { ...options, maxCostUsd: 1e-9 });
      expect(first).toMatchObject({ status: "stopped", done: 1 });
      const batchId = first.batchId as string;
      const record = `bull:catena-batches:catena-batch:${batchId}`;
      // Nothing waits on the queue, yet the batch is not finished: its counts used to expire in
      // 7 days as a finished batch's, under a user who meant to resume it with a larger budget.
      // Nor are they kept for good when nobody resumes it: keepStoppedMs, here 10 minutes.
      expect(await keys.pttl(record)).toBeGreaterThan(500_000);
      const stopped = await batchStatus(redis.url, batchId);
      expect(stopped).toMatchObject({ state: "stopped", counts: { done: 1 } });
      expect(stopped.expiresAt).toBeGreaterThan(Date.now() + 500_000);

      const rest = await runBatch(priced, inputs, { ...options, resume: true });
      expect(rest).toMatchObject({ status: "done", done: 3, skipped: 1 });
      expect(await keys.pttl(record)).toBeGreaterThan(50_000);
      const status = await batchStatus(redis.url, batchId);
      expect(status).toMatchObject({ state: "finished", counts: { done: 4 } });
      expect(status.expiresAt).toBeGreaterThan(Date.now() + 50_000);
      expect(status.expiresAt).toBeLessThan(Date.now() + 61_000);
    } finally {
      await worker.close();
      keys.disconnect();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("removeBatch on a batch that is still running", () => {
  it("is refused unless cancelled first; with force, the submitter stops and adds nothing back", async () => {
    let started: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const slow = defineChain({
      name: "slow",
      version: "1.0.0",
      input: z.object({ n: z.number() }),
      output: z.object({ n: z.number() }),
      flow: code("slow", async ({ n }: { n: number }) => {
        started();
        await new Promise((resolve) => setTimeout(resolve, 150));
        return { n };
      }),
    });
    const keys = new Redis(redis.url);
    const worker = await startWorker({ url: redis.url, chains: new ChainRegistry([slow]), concurrency: 1 });
    const batchId = `remove-running-${Date.now()}`;
    try {
      const batch = runBatch(
        slow,
        Array.from({ length: 6 }, (_, n) => ({ n })),
        { queue: redisQueue(redis.url, { sweepMs: 100 }), concurrency: 6, batchId },
      );
      const stopped = batch.then(
        () => undefined,
        (error: unknown) => error,
      );
      await running;
      await expect(removeBatch(redis.url, batchId)).rejects.toMatchObject({
        code: "QUEUE_BATCH_RUNNING",
        message: expect.stringMatching(
          / items? waiting or running; cancel it first with `catena queue cancel .*--force/,
        ),
      });
      expect((await batchStatus(redis.url, batchId)).chain).toBe("slow");

      expect(await removeBatch(redis.url, batchId, { force: true })).toBeGreaterThan(0);
      expect(await stopped).toMatchObject({ code: "QUEUE_BATCH_REMOVED" });
      await expect(batchStatus(redis.url, batchId)).rejects.toMatchObject({ code: "QUEUE_BATCH_UNKNOWN" });
      await expect(cancelBatch(redis.url, batchId)).rejects.toMatchObject({ code: "QUEUE_BATCH_UNKNOWN" });
      // The item that was running finishes after the removal mark: its job goes too (it used to
      // stay in Redis for good, a completed job of a batch nobody collects), also when the item was
      // counted just before the removal and its job left `active` just after (seen under load).
      await waitFor(async () => worker.finished >= 1);
      await waitFor(async () => (await keys.keys(`bull:catena-batches:${batchId}-*`)).length === 0);
      // Several sweeps later nothing was added back.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await keys.keys(`bull:catena-batches:${batchId}-*`)).toEqual([]);
      // Nor did the submitter's close or a late failure bring back the record or its lists.
      expect(await keys.keys(`bull:catena-batches:catena-batch:${batchId}*`)).toEqual([]);
    } finally {
      await worker.close();
      keys.disconnect();
    }
  }, 60_000);
});

async function waitFor(condition: () => Promise<boolean>, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("timed out waiting");
}

describe("a finished batch's keys a worker creates after its submitter closed", () => {
  it("expire with its record", async () => {
    const keys = new Redis(redis.url);
    const worker = await startWorker({ url: redis.url, chains: new ChainRegistry([double]), concurrency: 2 });
    const queue = new (await bullmqQueue())("catena-batches", { connection: keys, prefix: "bull" });
    try {
      const summary = await runBatch(double, [{ n: 1 }, { n: 2 }], {
        queue: redisQueue(redis.url, { keepFinishedMs: 60_000 }),
      });
      const batchId = summary.batchId as string;
      const own = `bull:catena-batches:catena-batch:${batchId}`;
      expect(await keys.exists(`${own}:items:error`, `${own}:failures`)).toBe(0);
      // A late item (a submitter of the same batch elsewhere, a job retried by hand) that fails:
      // its bitmap and failures list are new keys, which the submitter's PEXPIRE never touched.
      const { name, version, fingerprint } = double;
      await queue.add(
        "item",
        { batchId, index: 2, input: { n: 7 }, chain: { name, version, fingerprint }, run: {} },
        { jobId: itemJobId(batchId, 2) },
      );
      await waitFor(async () => (await keys.exists(`${own}:failures`)) === 1);
      for (const key of [`${own}:items:error`, `${own}:failures`]) {
        expect(await keys.pttl(key)).toBeGreaterThan(30_000);
      }
    } finally {
      await queue.close();
      await worker.close();
      keys.disconnect();
    }
  }, 60_000);
});
