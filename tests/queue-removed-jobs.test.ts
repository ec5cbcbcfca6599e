/* The late jobs of a batch removed while they ran (`catena queue remove --force`), on a real redis-server. */
import { ChainRegistry, code, defineChain } from "@catena/core";
import { itemJobId, startWorker } from "@catena/queue";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { bullmqQueue } from "./support/bullmq-queue.ts";
import { useTestRedis } from "./support/redis.ts";

const echo = defineChain({
  name: "echo",
  version: "1.0.0",
  input: z.object({ n: z.number() }),
  output: z.object({ n: z.number() }),
  flow: code("echo", ({ n }: { n: number }) => ({ n })),
});

const redis = useTestRedis();

describe("a worker starting", () => {
  it("drops the finished jobs of removed batches that a worker which died left behind, and no others", async () => {
    const keys = new Redis(redis.url);
    const queue = new (await bullmqQueue())("catena-batches", { connection: keys, prefix: "bull" });
    const removed = `removed-${Date.now()}`;
    const other = `${removed}-other`; // its jobs' ids start as the removed batch's do
    const completed = "bull:catena-batches:completed";
    let worker = await startWorker({ url: redis.url, chains: new ChainRegistry([echo]), concurrency: 2 });
    try {
      const { name, version, fingerprint } = echo;
      const chain = { name, version, fingerprint };
      // Items that finished with no batch record, as after the removal: the worker that ran them
      // died before it dropped them (here: it had no mark to see yet).
      for (const [batchId, index] of [
        [removed, 0],
        [removed, 1],
        [other, 0],
      ] as const) {
        await queue.add(
          "item",
          { batchId, index, input: { n: index }, chain, run: {} },
          {
            jobId: itemJobId(batchId, index),
          },
        );
      }
      const ids = [itemJobId(removed, 0), itemJobId(removed, 1), itemJobId(other, 0)];
      await waitFor(async () =>
        (await Promise.all(ids.map((id) => keys.zscore(completed, id)))).every(Boolean),
      );
      await worker.close();
      await keys.set(`bull:catena-batches:catena-removed:${removed}`, "1", "PX", 60_000);

      worker = await startWorker({ url: redis.url, chains: new ChainRegistry([echo]), concurrency: 2 });
      expect(await keys.zscore(completed, itemJobId(removed, 0))).toBeNull();
      expect(await keys.zscore(completed, itemJobId(removed, 1))).toBeNull();
      expect(await keys.keys(`bull:catena-batches:${removed}-[0-9]*`)).toEqual([]);
      // A batch without a mark keeps its jobs, even one whose id begins alike.
      expect(await keys.zscore(completed, itemJobId(other, 0))).not.toBeNull();
    } finally {
      await worker.close();
      await queue.close();
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
