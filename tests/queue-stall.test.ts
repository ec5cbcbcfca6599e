/* A queued batch that makes no progress says so (onStall), on a real redis-server with in-process workers. */
import { ChainRegistry, code, defineChain, runBatch } from "@catena/core";
import { type QueueStall, redisQueue, startWorker } from "@catena/queue";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { useTestRedis } from "./support/redis.ts";

/** Items wait for `gate` to open (the test opens it): a worker that holds items and finishes none. */
let openGate: () => void = () => undefined;
let gate: Promise<void> = Promise.resolve();
const gated = defineChain({
  name: "gated",
  version: "1.0.0",
  input: z.object({ n: z.number() }),
  output: z.object({ n: z.number() }),
  flow: code(
    "gated",
    async ({ n }: { n: number }) => {
      await gate;
      return { n };
    },
    { spec: { gate: "a promise the test opens" } },
  ),
});

const redis = useTestRedis();

async function until(condition: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("a queued batch with no item finishing", () => {
  it("warns, naming the batch, its queued items and that no worker listens; then finishes once one starts", async () => {
    const queueName = "stall-no-worker";
    const stalls: QueueStall[] = [];
    const batch = runBatch(gated, [{ n: 1 }, { n: 2 }, { n: 3 }], {
      queue: redisQueue(redis.url, {
        queueName,
        sweepMs: 100,
        stallAfterMs: 500,
        onStall: (s) => stalls.push(s),
      }),
    });
    await until(() => stalls.length > 0);
    const stall = stalls[0] as QueueStall;
    expect(stall).toMatchObject({
      queueName,
      items: 3,
      states: { waiting: 3, active: 0, delayed: 0, unchecked: 0 },
      workers: 0,
    });
    expect(stall.sinceMs).toBeGreaterThanOrEqual(500);
    expect(stall.message.replace(/for \d+ s;/, "for N s;")).toBe(
      `batch ${stall.batchId}: no item finished for N s; waiting for 3 items (3 queued, 0 running, 0 waiting for a retry) with 0 workers on queue ${queueName}. Start one: catena worker --queue <url> --chains <module>.`,
    );
    const worker = await startWorker({ url: redis.url, chains: new ChainRegistry([gated]), queueName });
    try {
      const summary = await batch;
      expect(summary).toMatchObject({ status: "done", done: 3, batchId: stall.batchId });
    } finally {
      await worker.close();
    }
  }, 60_000);

  it("names the items a worker holds without finishing them, again after each further period; none once items finish", async () => {
    const queueName = "stall-running";
    gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    const worker = await startWorker({
      url: redis.url,
      chains: new ChainRegistry([gated]),
      queueName,
      concurrency: 2,
    });
    try {
      const stalls: QueueStall[] = [];
      const batch = runBatch(gated, [{ n: 1 }, { n: 2 }, { n: 3 }], {
        queue: redisQueue(redis.url, {
          queueName,
          sweepMs: 100,
          stallAfterMs: 400,
          onStall: (s) => stalls.push(s),
        }),
      });
      await until(() => stalls.length >= 2);
      expect(stalls[0]).toMatchObject({ items: 3, states: { waiting: 1, active: 2 }, workers: 1 });
      expect(stalls[0]?.message).toMatch(
        /waiting for 3 items \(1 queued, 2 running, 0 waiting for a retry\) with 1 worker on queue stall-running\. Still waiting/,
      );
      // Told once per period, not on every check.
      expect((stalls[1]?.sinceMs ?? 0) - (stalls[0]?.sinceMs ?? 0)).toBeGreaterThanOrEqual(400);
      openGate();
      const told = stalls.length;
      expect(await batch).toMatchObject({ status: "done", done: 3 });
      expect(stalls.length).toBe(told);
    } finally {
      gate = Promise.resolve();
      await worker.close();
    }
  }, 60_000);
});
