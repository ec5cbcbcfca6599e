/*
 * The dead-worker watch on a real redis-server, driven directly: a watcher taking the turn over
 * from one that just died frees the dead workers as soon as that one would have; one taking over a
 * turn nobody renewed for long (a failover, a proxy blip) gives the workers it finds gone their whole
 * grace from its own look; a watcher whose own named connection is away does not take the turn; a
 * stopped one hands it on at once.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { goneSinceKey, watchLeaseKey } from "../packages/queue/src/dead-watch-lease.ts";
import {
  watchForDeadWorkers,
  workerConnectionName,
  workersKey,
} from "../packages/queue/src/dead-worker-watch.ts";
import { KEY_PREFIX } from "../packages/queue/src/queue-layout.ts";
import { redisUpFor } from "./support/held-worker.ts";
import { useTestRedis } from "./support/redis.ts";
import { until } from "./support/until.ts";

const redis = useTestRedis();
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
// The watch frees nobody within 10 s of a Redis start (the connections are still coming back).
beforeAll(() => redisUpFor(redis.url), 30_000);

const DEAD_AFTER_MS = 2000;

async function connect(name?: string): Promise<Redis> {
  const connection = new Redis(redis.url, name === undefined ? {} : { connectionName: name });
  cleanup.push(() => connection.disconnect());
  await new Promise<void>((resolve) => connection.once("ready", () => resolve()));
  return connection;
}

async function redisNow(admin: Redis): Promise<number> {
  const [s, us] = await admin.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

/**
 * A queue whose last watcher `old-watcher` (registered, its connection gone) renewed its turn
 * `leaseAgeMs` ago, and a dead worker `ghost` (registered, no connection) holding job j1's lock.
 */
async function queueWithDeadWatcher(
  admin: Redis,
  leaseAgeMs: number,
): Promise<{ queueName: string; renewedAt: number }> {
  const queueName = `dead-watch-${randomUUID()}`;
  const key = `${KEY_PREFIX}:${queueName}`;
  const renewedAt = (await redisNow(admin)) - leaseAgeMs;
  await admin
    .multi()
    .sadd(workersKey(queueName), "old-watcher", "ghost")
    .rpush(`${key}:active`, "j1")
    .set(`${key}:j1:lock`, "ghost:1")
    .set(watchLeaseKey(queueName), `old-watcher ${renewedAt}`, "PX", 60_000)
    .exec();
  return { queueName, renewedAt };
}

/** Starts the watch of worker `me`, its own named connection connected. */
async function watchAs(queueName: string, ownReady?: () => boolean): Promise<{ stop(): void }> {
  const own = await connect(workerConnectionName("me"));
  const connection = await connect();
  const watch = watchForDeadWorkers({
    connection,
    queueName,
    ownId: () => "me",
    ownReady: ownReady ?? (() => own.status === "ready"),
    deadAfterMs: DEAD_AFTER_MS,
  });
  cleanup.push(() => watch.stop());
  return watch;
}

const holder = async (admin: Redis, queueName: string): Promise<string | undefined> =>
  (await admin.get(watchLeaseKey(queueName)))?.split(" ")[0];

describe("a watcher taking the dead-worker watch over", () => {
  it("from one that just died, frees a dead worker within deadAfterMs + 1 s of taking over", async () => {
    const admin = await connect();
    const { queueName } = await queueWithDeadWatcher(admin, 1500);
    const key = `${KEY_PREFIX}:${queueName}`;
    await watchAs(queueName);
    await until(
      async () => (await holder(admin, queueName)) === "me",
      () => "the watch never took the turn",
      5000,
    );
    const takenAt = Date.now();
    await until(
      async () => (await admin.exists(`${key}:j1:lock`)) === 0,
      () => "ghost's item never freed",
      10_000,
    );
    // Counted from the last watcher's next look: ~1 s here, at most the grace.
    expect(Date.now() - takenAt).toBeLessThan(DEAD_AFTER_MS + 1000);
    expect(await admin.sismember(`${key}:stalled`, "j1")).toBe(1);
    expect(await admin.sismember(workersKey(queueName), "ghost")).toBe(0);
  }, 30_000);

  it("from one silent for 10 s, gives the workers it finds gone their whole grace from its own look", async () => {
    const admin = await connect();
    const { queueName, renewedAt } = await queueWithDeadWatcher(admin, 10_000);
    const key = `${KEY_PREFIX}:${queueName}`;
    await watchAs(queueName);
    await until(
      async () => (await holder(admin, queueName)) === "me",
      () => "the watch never took the turn",
      5000,
    );
    const takenAt = Date.now();
    await until(
      async () => (await admin.hexists(goneSinceKey(queueName), "ghost")) === 1,
      () => "ghost never recorded gone",
      2000,
    );
    const firstSeen = Number(await admin.hget(goneSinceKey(queueName), "ghost"));
    // Not backdated to the silent watcher's last renewal: counted from the new watcher's own look.
    expect(firstSeen).toBeGreaterThan(renewedAt + 9000);
    await new Promise((r) => setTimeout(r, DEAD_AFTER_MS - 700));
    expect(await admin.get(`${key}:j1:lock`)).toBe("ghost:1");
    await until(
      async () => (await admin.exists(`${key}:j1:lock`)) === 0,
      () => "ghost's item never freed",
      10_000,
    );
    expect(Date.now() - takenAt).toBeGreaterThanOrEqual(DEAD_AFTER_MS - 700);
  }, 30_000);
});

describe("a watcher whose own named connection is away", () => {
  it("does not take the turn (it could not tell itself from the dead), so another can", async () => {
    const admin = await connect();
    const { queueName } = await queueWithDeadWatcher(admin, 1500);
    await watchAs(queueName, () => false);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await holder(admin, queueName)).toBe("old-watcher");
  }, 30_000);
});

describe("a watcher stopped", () => {
  it("gives the turn up at once instead of holding it for the lease", async () => {
    const admin = await connect();
    const { queueName } = await queueWithDeadWatcher(admin, 1500);
    const watch = await watchAs(queueName);
    await until(
      async () => (await holder(admin, queueName)) === "me",
      () => "the watch never took the turn",
      5000,
    );
    watch.stop();
    await until(
      async () => (await admin.exists(watchLeaseKey(queueName))) === 0,
      () => "the turn was kept",
      1000,
    );
  }, 30_000);
});
