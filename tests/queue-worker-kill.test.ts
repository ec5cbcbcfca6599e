/*
 * A worker killed with kill -9 while it runs items, on a real redis-server: its items go to another
 * worker within seconds, although their locks (30 s by default) would hold them far longer, and
 * each finishes once. A worker that is alive but busy (its event loop blocked, as by a CPU-heavy
 * step) keeps its items: nobody runs them a second time.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ChainRegistry } from "@catena/core";
import { type QueueWorker, startWorker } from "@catena/queue";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { watchLeaseKey } from "../packages/queue/src/dead-watch-lease.ts";
import { connectionNames, workerConnectionName } from "../packages/queue/src/dead-worker-watch.ts";
import { heldChain } from "./fixtures/queue/held-chain.ts";
import { type HeldWorkerWithBatch, heldWorkerWithBatch, redisUpFor } from "./support/held-worker.ts";
import { useTestRedis } from "./support/redis.ts";
import { until } from "./support/until.ts";

const redis = useTestRedis();
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A batch on a queue of its own, a worker of the held chain in a child process, and a gate dir. */
function setUp(): Promise<HeldWorkerWithBatch> {
  return heldWorkerWithBatch({ name: "kill", redisUrl: redis.url, cleanup });
}

async function localWorker(queueName: string): Promise<QueueWorker> {
  const worker = await startWorker({ url: redis.url, queueName, chains: new ChainRegistry([heldChain]) });
  cleanup.push(() => worker.close());
  return worker;
}

const startedBy = (dir: string, n: number): string | undefined => {
  const path = join(dir, `started-${n}`);
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
};

describe("a worker killed with kill -9 while it runs items", () => {
  it("loses them to another worker within seconds, not when their 30 s locks expire; each finishes once", async () => {
    const { queueName, dir, batch, child } = await setUp();
    const results = [0, 1].map((n) => batch.run(n, { n, dir }));
    for (const r of results) r.catch(() => undefined);
    await until(
      () => startedBy(dir, 0) !== undefined && startedBy(dir, 1) !== undefined,
      () => child.said(),
    );
    const other = await localWorker(queueName);
    // Workers do not take a dead worker's items from a Redis up for less than 10 s (after a restart,
    // the connections still coming back would look dead): this one was started for the test.
    await redisUpFor(redis.url);
    // The child, started first, holds the dead-worker watch's turn: killed, the other takes it over,
    // and hands on the items of the watcher itself as soon as any other's.
    const admin = new Redis(redis.url);
    cleanup.push(() => admin.disconnect());
    const watcher = (await admin.get(watchLeaseKey(queueName)))?.split(" ")[0];
    expect(
      connectionNames((await admin.client("LIST")) as string).has(workerConnectionName(watcher ?? "")),
    ).toBe(true);
    writeFileSync(join(dir, "release"), "");
    child.kill("SIGKILL");
    const killedAt = Date.now();
    const done = await Promise.all(results);
    // (Unless the child's timers slipped past the lease on a loaded machine and the other took the
    // turn first: then the kill was of a worker that did not watch, the other path, also timed.)
    if (!((await admin.client("LIST")) as string).includes(`name=catena:worker:${watcher} `)) {
      expect((await admin.get(watchLeaseKey(queueName)))?.split(" ")[0]).not.toBe(watcher);
    }
    // The 5 s grace (deadWorkerAfterMs, past a reconnection) and up to a second or two more
    // (bench/queue/worker-kill.bench.ts); margin for a machine at load 20. The lock alone is 30 s.
    expect(Date.now() - killedAt).toBeLessThan(15_000);
    for (const [n, result] of done.entries()) {
      expect(result).toMatchObject({ status: "done", output: { n, pid: process.pid } });
    }
    expect(other.finished).toBe(2);
  }, 60_000);

  it("but one that is alive and busy (its event loop blocked 4 s) keeps its item: it runs once, there", async () => {
    const { queueName, dir, batch, child } = await setUp();
    // Else the watch frees nobody (Redis up for less than 10 s) and this would test nothing.
    await redisUpFor(redis.url);
    const running = batch.run(0, { n: 0, dir, blockMs: 4000 });
    running.catch(() => undefined);
    await until(
      () => startedBy(dir, 0) !== undefined,
      () => child.said(),
    );
    // Another worker looks for dead workers while the child cannot answer anything for 4 s: it
    // takes the watch's turn over from the blocked child, whose connection is still listed, with a
    // grace of 1 s it would free the child's item were the block taken for a death.
    const other = await startWorker({
      url: redis.url,
      queueName,
      chains: new ChainRegistry([heldChain]),
      deadWorkerAfterMs: 1000,
    });
    cleanup.push(() => other.close());
    const result = await running;
    expect(result).toMatchObject({ status: "done", output: { n: 0, pid: Number(startedBy(dir, 0)) } });
    expect(startedBy(dir, 0)).not.toBe(String(process.pid));
    await new Promise((r) => setTimeout(r, 1500));
    expect(other.finished).toBe(0);
  }, 60_000);
});
