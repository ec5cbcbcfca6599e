/*
 * A live worker that lost its item to another worker, on a real redis-server: its connections are
 * cut (a proxy between it and Redis) for longer than the other worker's dead-worker grace, so the
 * other frees the item and runs it. Once back, the first stops its copy of the run within a couple
 * of seconds (BullMQ alone found out at its next lock renewal, up to 15 s later with the default
 * lock, the run going on meanwhile), counts nothing, and the item finishes once, on the other worker.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ChainRegistry } from "@catena/core";
import { batchStatus, startWorker } from "@catena/queue";
import { afterEach, describe, expect, it } from "vitest";
import { heldChain } from "./fixtures/queue/held-chain.ts";
import { heldWorkerWithBatch, redisUpFor } from "./support/held-worker.ts";
import { useTestRedis } from "./support/redis.ts";
import { redisProxy } from "./support/redis-proxy.ts";
import { until } from "./support/until.ts";

const redis = useTestRedis();
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe("a live worker whose item another worker took (its connection gone past the grace)", () => {
  it("stops its run within seconds of coming back, counts nothing, and the item finishes once, elsewhere", async () => {
    const cutter = await redisProxy(redis.port);
    cleanup.push(() => cutter.close());
    // All through the proxy. A lock of 120 s: BullMQ renews it, and would find it lost, 30 to 60 s
    // after the item started, well after this test's wait for the stop.
    const { dir, batch, child, queueName } = await heldWorkerWithBatch({
      name: "lost-lock",
      redisUrl: redis.url,
      workerUrl: cutter.url,
      lockMs: 120_000,
      cleanup,
    });
    const result = batch.run(0, { n: 0, dir });
    result.catch(() => undefined);
    await until(
      () => existsSync(join(dir, "started-0")),
      () => child.said(),
    );
    const childPid = readFileSync(join(dir, "started-0"), "utf8");
    await redisUpFor(redis.url);
    // The other worker counts a worker dead after 1 s without its connection.
    const other = await startWorker({
      url: redis.url,
      queueName,
      chains: new ChainRegistry([heldChain]),
      deadWorkerAfterMs: 1000,
    });
    cleanup.push(() => other.close());
    // Its run ends, should the test fail before it is released.
    cleanup.push(() => writeFileSync(join(dir, "release"), ""));

    // Cut until the other worker took the item (its watch's turn, the 1 s grace, the stalled check:
    // ~3 s idle), however long that takes on a loaded machine.
    await cutter.cutUntil(
      () => readFileSync(join(dir, "started-0"), "utf8") === String(process.pid),
      () => `the other worker never took the item: ${child.said()}`,
      30_000,
    );
    const backAt = Date.now();
    await until(
      () => existsSync(join(dir, `stopped-0-${childPid}`)),
      () => `the first worker's run was not stopped: ${child.said()}`,
    );
    const stoppedAfterMs = Date.now() - backAt;
    console.log(`the first worker's run stopped ${stoppedAfterMs} ms after its connection could come back`);
    // Reconnecting takes up to ioredis's 2 s backoff, then one check of the locks (0.5 s).
    expect(stoppedAfterMs).toBeLessThan(6000);

    writeFileSync(join(dir, "release"), "");
    await expect(result).resolves.toMatchObject({ status: "done", output: { n: 0, pid: process.pid } });
    expect(other.finished).toBe(1);
    expect((await batchStatus(redis.url, "lost-lock", { queueName })).counts).toMatchObject({ done: 1 });
    // The copy on the first worker was stopped, and the run on the other was not.
    expect(existsSync(join(dir, `stopped-0-${process.pid}`))).toBe(false);
    child.tell("finished");
    await until(
      () => /finished \d+\n/.test(child.said()),
      () => child.said(),
    );
    expect(child.said()).toContain("finished 0\n");
    // Nothing more of that item comes later (a second completion, a count of the stopped run).
    await new Promise((r) => setTimeout(r, 1000));
    expect((await batchStatus(redis.url, "lost-lock", { queueName })).counts).toMatchObject({ done: 1 });
  }, 90_000);
});
