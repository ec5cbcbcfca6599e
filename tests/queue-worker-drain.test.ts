/*
 * A worker stopped while it runs an item (SIGTERM's drain: `close()`), on a real redis-server that
 * goes away during the drain. Back within a second: the item goes on and finishes on that worker,
 * once, and the worker then exits (a long LLM call thrown away there would run, and be billed,
 * twice). Its chain ending while Redis is away: the worker keeps the result and waits for Redis
 * (within its allowance, `unreachableAfterMs`), stores the result once Redis is back, and exits.
 */
import { batchStatus } from "@catena/queue";
import { describe, expect, it } from "vitest";
import { closingWorkerWithItem } from "./support/closing-worker.ts";
import { useTestRedis } from "./support/redis.ts";
import { until } from "./support/until.ts";

const redis = useTestRedis();

describe("a worker draining (closing) while Redis restarts", () => {
  it("finishes its item in flight there, once, and then exits (Redis away for a second)", async () => {
    // The default 30 s lock: the item is this worker's through the restart.
    const closing = await closingWorkerWithItem(redis.url, { name: "drain", lockMs: 30_000 });
    const { child } = closing;
    try {
      await redis.restart({ downMs: 1000 });
      // Another worker, that would take the item were it let go.
      const other = await closing.startOther();
      // The worker saw Redis away (the watch looks every second), and says it keeps its item.
      await until(
        () => child.said().includes("down: "),
        () => child.said(),
      );
      expect(child.said()).toMatch(
        /down: cannot reach Redis at .*; the worker is closing: its item in flight goes on, and it waits up to 60 s for Redis to store the results$/m,
      );
      await new Promise((r) => setTimeout(r, 1000));
      // It gave up its item at once and exited when Redis was away for a moment.
      expect(closing.exitedAt(), child.said()).toBeUndefined();
      closing.release();
      await expect(closing.result).resolves.toMatchObject({
        status: "done",
        output: { n: 0, pid: closing.pid },
      });
      expect(await child.exited, child.said()).toBe(0);
      expect(child.said()).toContain("closed\n");
      expect(other.finished).toBe(0);
      expect((await batchStatus(redis.url, "drain", { queueName: closing.queueName })).counts).toMatchObject({
        done: 1,
      });
    } finally {
      await closing.cleanUp();
    }
  }, 90_000);

  it("keeps the result of an item whose chain ended while Redis was away, and stores it once Redis is back", async () => {
    const closing = await closingWorkerWithItem(redis.url, { name: "drain-result", lockMs: 30_000 });
    const { child } = closing;
    try {
      const restarted = redis.restart({ downMs: 4000 });
      await until(
        () => child.said().includes("down: "),
        () => child.said(),
      );
      // The chain ends with Redis away: its result cannot be stored now. The worker closed at once
      // here, and the result was lost: the item ran again on another worker.
      closing.release();
      await restarted;
      const backAt = Date.now();
      expect(closing.exitedAt(), child.said()).toBeUndefined();
      const other = await closing.startOther();
      await expect(closing.result).resolves.toMatchObject({
        status: "done",
        output: { n: 0, pid: closing.pid },
      });
      expect(await child.exited, child.said()).toBe(0);
      expect(child.said()).toContain("closed\n");
      // Stored soon after Redis was back; not after the item's lock expired.
      expect((closing.exitedAt() as number) - backAt).toBeLessThan(15_000);
      expect(other.finished).toBe(0);
      expect(
        (await batchStatus(redis.url, "drain-result", { queueName: closing.queueName })).counts,
      ).toMatchObject({
        done: 1,
      });
    } finally {
      await closing.cleanUp();
    }
  }, 90_000);
});
