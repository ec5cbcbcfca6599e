/*
 * The scripts that write only while a worker still holds what it acts on, on a real redis-server: an
 * item's finish or retry is not counted once its lock holds another worker's token, and a dead
 * worker is not freed by a watcher whose turn is another's or stale (a watcher whose event loop
 * stalled past the lease, judging by an old CLIENT LIST).
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countFinished, countRetry } from "../packages/queue/src/batch-counts.ts";
import { watchLeaseKey } from "../packages/queue/src/dead-watch-lease.ts";
import { releaseDeadWorker, workersKey } from "../packages/queue/src/dead-worker-watch.ts";
import { batchKey, type ItemJobData, jobLockKey, KEY_PREFIX } from "../packages/queue/src/queue-layout.ts";
import { useTestRedis } from "./support/redis.ts";

const redis = useTestRedis();
let admin: Redis;
beforeAll(() => {
  admin = new Redis(redis.url);
});
afterAll(() => admin.disconnect());

async function redisNow(): Promise<number> {
  const [s, us] = await admin.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

/** A batch with a record and item 0's job locked by `holder`. */
async function lockedItem(
  holder: string,
): Promise<{ queueName: string; data: ItemJobData; lock: { key: string } }> {
  const queueName = `scripts-${randomUUID()}`;
  const data: ItemJobData = {
    batchId: "b",
    index: 0,
    input: null,
    chain: { name: "c", version: "1", fingerprint: "f" },
    run: {},
  };
  await admin.hset(batchKey(queueName, "b"), "total", "1");
  const key = jobLockKey(queueName, "j0");
  await admin.set(key, holder);
  return { queueName, data, lock: { key } };
}

describe("an item's count, once its lock is another worker's", () => {
  it("counts neither its finish nor its retry; with the lock, both count", async () => {
    const { queueName, data, lock } = await lockedItem("other:1");
    const mine = { ...lock, token: "me:1" };
    expect(await countFinished(admin, queueName, data, mine, "done", undefined)).toBe("lock-lost");
    expect(await countRetry(admin, queueName, data, mine)).toBe("lock-lost");
    expect(await admin.hgetall(batchKey(queueName, "b"))).toEqual({ total: "1" });

    await admin.set(lock.key, "me:1");
    expect(await countRetry(admin, queueName, data, mine)).toBe("counted");
    expect(await countFinished(admin, queueName, data, mine, "done", undefined)).toBe("counted");
    expect(await admin.hmget(batchKey(queueName, "b"), "retries", "done")).toEqual(["1", "1"]);
  });
});

describe("freeing a dead worker's items", () => {
  async function deadWorkerQueue(lease: string): Promise<string> {
    const queueName = `scripts-${randomUUID()}`;
    const key = `${KEY_PREFIX}:${queueName}`;
    await admin
      .multi()
      .sadd(workersKey(queueName), "ghost")
      .rpush(`${key}:active`, "j1")
      .set(`${key}:j1:lock`, "ghost:1")
      .set(watchLeaseKey(queueName), lease)
      .exec();
    return queueName;
  }
  const untouched = async (queueName: string): Promise<void> => {
    expect(await admin.get(`${KEY_PREFIX}:${queueName}:j1:lock`)).toBe("ghost:1");
    expect(await admin.sismember(workersKey(queueName), "ghost")).toBe(1);
  };

  it("does nothing when the watch's turn is another worker's", async () => {
    const queueName = await deadWorkerQueue(`other ${await redisNow()}`);
    expect(await releaseDeadWorker(admin, queueName, "ghost", "me")).toBe(-1);
    await untouched(queueName);
  });

  it("does nothing when this watcher's turn was renewed more than a lease ago (its look is stale)", async () => {
    const queueName = await deadWorkerQueue(`me ${(await redisNow()) - 2000}`);
    expect(await releaseDeadWorker(admin, queueName, "ghost", "me")).toBe(-1);
    await untouched(queueName);
  });

  it("frees them on a fresh turn of its own", async () => {
    const queueName = await deadWorkerQueue(`me ${await redisNow()}`);
    expect(await releaseDeadWorker(admin, queueName, "ghost", "me")).toBe(1);
    expect(await admin.exists(`${KEY_PREFIX}:${queueName}:j1:lock`)).toBe(0);
    expect(await admin.sismember(`${KEY_PREFIX}:${queueName}:stalled`, "j1")).toBe(1);
    expect(await admin.sismember(workersKey(queueName), "ghost")).toBe(0);
  });
});
