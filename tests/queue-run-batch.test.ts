/* runBatch(chain, inputs, { queue: redisQueue(url) }) from code, with an in-process worker on a real redis-server. */
import { ChainRegistry, code, defineChain, runBatch } from "@catena/core";
import { batchStatus, redisQueue, startWorker } from "@catena/queue";
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
