/* A queued batch closing while Redis restarts, on a real redis-server: its process still exits. */
import { ChainRegistry, code, defineChain } from "@catena/core";
import { redisQueue, startWorker } from "@catena/queue";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { spawnFixture } from "./support/fixture-process.ts";
import { useTestRedis } from "./support/redis.ts";

const redis = useTestRedis();

const echo = defineChain({
  name: "echo",
  version: "1.0.0",
  input: z.object({ n: z.number() }),
  output: z.object({ n: z.number() }),
  flow: code("echo", ({ n }: { n: number }) => ({ n })),
});

describe("a batch closed while Redis restarts", () => {
  it("closes in bounded time, and leaves nothing that keeps its process alive", async () => {
    const child = spawnFixture("queue/close-while-away.ts", [redis.url]);
    let exited = false;
    void child.exited.then(() => {
      exited = true;
    });
    try {
      for (const end = Date.now() + 20_000; !child.said().includes("open\n"); ) {
        if (Date.now() > end || exited) throw new Error(`never opened: ${child.said()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      // Redis goes away for 3 s; the batch is closed during it, before its watch noticed. Its
      // last writes waited for Redis, then BullMQ's close waited for an "end" of a reconnecting
      // connection, then the events' read loop retried the dropped connection every 5 s: it never
      // exited.
      const restarted = redis.restart({ downMs: 3000 });
      await new Promise((r) => setTimeout(r, 100));
      child.tell("close");
      const started = Date.now();
      const code = await Promise.race([
        child.exited,
        new Promise<string>((r) => setTimeout(() => r("alive"), 20_000)),
      ]);
      expect(code, child.said()).toBe(0);
      expect(child.said()).toContain("closed\n");
      expect(Date.now() - started).toBeLessThan(15_000);
      await restarted;
    } finally {
      child.kill("SIGKILL");
    }
  }, 60_000);
});

describe("a batch closed while its watch counts Redis as away", () => {
  it("still gives its record an expiry and drops its handed-over jobs (Redis answers again by then)", async () => {
    const queueName = `slow-ping-${Date.now()}`;
    const batchId = "slow-ping";
    let down = false;
    const batch = await redisQueue(redis.url, {
      queueName,
      answerWithinMs: 1000,
      onDown: () => {
        down = true;
      },
    }).open({
      batchId,
      chain: { name: echo.name, version: echo.version, fingerprint: echo.fingerprint },
      resume: false,
      retryFailed: false,
      run: {},
    });
    const keys = new Redis(redis.url);
    try {
      const worker = await startWorker({ url: redis.url, chains: new ChainRegistry([echo]), queueName });
      expect((await batch.run(0, { n: 1 })).status).toBe("done");
      await worker.close();
      // A PING left unanswered (a frozen server here) makes the watch count Redis as away; the
      // batch closes right after Redis answers again, before its watch noticed. Its last writes
      // were skipped: the record and its bitmaps stayed in Redis for good.
      redis.pause();
      try {
        for (const end = Date.now() + 10_000; !down; ) {
          if (Date.now() > end) throw new Error("the watch never counted Redis as away");
          await new Promise((r) => setTimeout(r, 50));
        }
      } finally {
        redis.resume();
      }
      await batch.close({ complete: true });
      expect(await keys.pttl(`bull:${queueName}:catena-batch:${batchId}`)).toBeGreaterThan(0);
      expect(await keys.exists(`bull:${queueName}:${batchId}-0`)).toBe(0);
    } finally {
      keys.disconnect();
    }
  }, 60_000);
});
