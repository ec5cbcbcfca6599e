/*
 * A worker stopped while it runs an item (SIGTERM's drain: `close()`), on a real redis-server that
 * restarts for about a second during the drain: the item goes on and finishes on that worker, once,
 * and the worker then exits. A long LLM call thrown away there would run, and be billed, twice.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChainRegistry } from "@catena/core";
import { batchStatus, redisQueue, startWorker } from "@catena/queue";
import { describe, expect, it } from "vitest";
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

describe("a worker draining (closing) while Redis restarts for a second", () => {
  it("finishes its item in flight there, once, and then exits", async () => {
    const dir = mkdtempSync(join(tmpdir(), "catena-drain-"));
    const queueName = `drain-${Date.now()}`;
    // The default 30 s lock: the item is this worker's through the restart.
    const child = spawnFixture("queue/worker-close-redis-dies.ts", [redis.url, queueName, "30000"]);
    let exited = false;
    void child.exited.then(() => {
      exited = true;
    });
    const batch = await redisQueue(redis.url, { queueName, sweepMs: 200 }).open({
      batchId: "drain",
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
      result.catch(() => undefined);
      await until(
        () => existsSync(join(dir, "started-0")),
        () => child.said(),
      );
      const pid = readFileSync(join(dir, "started-0"), "utf8");
      child.tell("close");
      await until(
        () => child.said().includes("closing\n"),
        () => child.said(),
      );
      await redis.restart({ downMs: 1000 });
      // Another worker, that would take the item were it let go.
      other = await startWorker({ url: redis.url, queueName, chains: new ChainRegistry([heldChain]) });
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
      expect(exited, child.said()).toBe(false);
      writeFileSync(join(dir, "release"), "");
      await expect(result).resolves.toMatchObject({ status: "done", output: { n: 0, pid: Number(pid) } });
      expect(await child.exited, child.said()).toBe(0);
      expect(child.said()).toContain("closed\n");
      expect(readFileSync(join(dir, "started-0"), "utf8")).toBe(pid);
      expect(other.finished).toBe(0);
      expect((await batchStatus(redis.url, "drain", { queueName })).counts).toMatchObject({ done: 1 });
    } finally {
      child.kill("SIGKILL");
      await other?.close();
      await batch.close({ complete: true });
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
