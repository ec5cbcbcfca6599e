/*
 * Closing a worker, on a real redis-server: at once when idle, and within a bound (its process
 * exiting on its own) when stopped while Redis restarts.
 */
import { describe, expect, it } from "vitest";
import { type FixtureProcess, spawnFixture } from "./support/fixture-process.ts";
import { useTestRedis } from "./support/redis.ts";

const redis = useTestRedis();

/** A worker in a child process (tests/fixtures/queue/worker-close-while-away.ts), stopped by SIGTERM. */
function spawnWorker(): FixtureProcess {
  return spawnFixture("queue/worker-close-while-away.ts", [redis.url]);
}

async function untilReady(worker: ReturnType<typeof spawnWorker>): Promise<void> {
  let exited = false;
  void worker.exited.then(() => {
    exited = true;
  });
  for (const end = Date.now() + 20_000; !worker.said().includes("ready\n"); ) {
    if (Date.now() > end || exited) throw new Error(`never ready: ${worker.said()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("closing a worker", () => {
  it("lets its process exit soon after a clean close of an idle worker", async () => {
    const worker = spawnWorker();
    try {
      await untilReady(worker);
      worker.kill("SIGTERM");
      const started = Date.now();
      const code = await Promise.race([
        worker.exited,
        new Promise<string>((r) => setTimeout(() => r("alive"), 20_000)),
      ]);
      expect(code, worker.said()).toBe(0);
      expect(worker.said()).toContain("closed\n");
      // The close's 5 s bound (for a close that hangs) was never cancelled: its timer kept every
      // cleanly stopped worker alive for 5 s more.
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      worker.kill("SIGKILL");
    }
  }, 60_000);

  it("exits within a bound when stopped (SIGTERM) while Redis restarts", async () => {
    const worker = spawnWorker();
    try {
      await untilReady(worker);
      // Redis goes away for 3 s; the worker is stopped during it, before its watch noticed.
      // BullMQ's close waited for an "end" of its reconnecting blocking connection, a forced close
      // after it did nothing (BullMQ keeps the first), and its lock-renewal timer kept the
      // process alive: it never exited.
      const restarted = redis.restart({ downMs: 3000 });
      await new Promise((r) => setTimeout(r, 100));
      worker.kill("SIGTERM");
      const started = Date.now();
      const code = await Promise.race([
        worker.exited,
        new Promise<string>((r) => setTimeout(() => r("alive"), 20_000)),
      ]);
      expect(code, worker.said()).toBe(0);
      expect(worker.said()).toContain("closed\n");
      // Not at once: BullMQ's own timer on the block it was waiting on (its 5 s block plus 1 s)
      // still runs out. Bounded, unlike the lock-renewal timer, which re-armed itself for good.
      expect(Date.now() - started).toBeLessThan(10_000);
      await restarted;
    } finally {
      worker.kill("SIGKILL");
    }
  }, 60_000);
});
