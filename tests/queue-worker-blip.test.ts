/*
 * A live worker whose connection to Redis blips, on a real redis-server: killed once by `CLIENT
 * KILL`, then cut for 2 s by a proxy between it and Redis (a network hiccup). It reconnects within
 * the dead-worker grace (`deadWorkerAfterMs`, 5 s by default) and keeps its items: another worker
 * watching for dead workers does not take them, and each runs once. With a grace of 1 s, the other
 * worker freed them and ran them a second time.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ChainRegistry } from "@catena/core";
import { startWorker } from "@catena/queue";
import { Redis } from "ioredis";
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

/** The names of the connections Redis lists now. */
async function clientNames(admin: Redis): Promise<Map<string, string>> {
  const list = (await admin.client("LIST")) as string;
  const named = new Map<string, string>();
  for (const line of list.split("\n")) {
    const name = /(?:^| )name=(\S+)/.exec(line)?.[1];
    const id = /(?:^| )id=(\d+)/.exec(line)?.[1];
    if (name && id) named.set(name, id);
  }
  return named;
}

describe("a live worker whose connection to Redis blips", () => {
  it("keeps its items through a CLIENT KILL and a 2 s cut, as it reconnects within the grace: each runs once, there", async () => {
    const admin = new Redis(redis.url);
    cleanup.push(() => admin.disconnect());
    const cutter = await redisProxy(redis.port);
    cleanup.push(() => cutter.close());
    const { dir, batch, child, queueName } = await heldWorkerWithBatch({
      name: "worker-blip",
      redisUrl: redis.url,
      workerUrl: cutter.url,
      cleanup,
    });
    const [name] = [...(await clientNames(admin)).keys()].filter((n) => n.startsWith("catena:worker:"));
    expect(name).toBeDefined();
    const results = [0, 1].map((n) => batch.run(n, { n, dir }));
    for (const r of results) r.catch(() => undefined);
    await until(
      () => existsSync(join(dir, "started-0")) && existsSync(join(dir, "started-1")),
      () => child.said(),
    );
    const other = await startWorker({ url: redis.url, queueName, chains: new ChainRegistry([heldChain]) });
    cleanup.push(() => other.close());
    await redisUpFor(redis.url);

    await admin.client("KILL", "ID", (await clientNames(admin)).get(name as string) as string);
    const killedAt = Date.now();
    await until(
      async () => (await clientNames(admin)).has(name as string),
      () => "the worker's connection never came back",
    );
    console.log(`reconnected ${Date.now() - killedAt} ms after CLIENT KILL`);
    const cutAt = Date.now();
    await cutter.cut(2000);
    await until(
      async () => (await clientNames(admin)).has(name as string),
      () => "the worker's connection never came back after the cut",
    );
    console.log(`reconnected ${Date.now() - cutAt} ms after a 2 s cut began`);
    // Another look or two of the other worker's watch.
    await new Promise((r) => setTimeout(r, 1500));
    writeFileSync(join(dir, "release"), "");
    const pid = Number(readFileSync(join(dir, "started-0"), "utf8"));
    for (const [n, result] of (await Promise.all(results)).entries()) {
      expect(result).toMatchObject({ status: "done", output: { n, pid } });
    }
    expect(readFileSync(join(dir, "started-1"), "utf8")).toBe(String(pid));
    expect(other.finished).toBe(0);
  }, 90_000);
});
