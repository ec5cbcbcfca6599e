/* A queue on a Redis that requires a password (`requirepass`), on a real redis-server. */
import { ChainRegistry, code, defineChain, runBatch } from "@catena/core";
import { batchStatus, QueueError, redisQueue, startWorker } from "@catena/queue";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { useTestRedis } from "./support/redis.ts";

const PASSWORD = "s3cret-pass";
const redis = useTestRedis({ password: PASSWORD });

const echo = defineChain({
  name: "auth-echo",
  version: "1.0.0",
  input: z.object({ n: z.number() }),
  output: z.object({ n: z.number() }),
  flow: code("echo", async ({ n }: { n: number }) => ({ n })),
});

/** The test Redis's address without its password, or with another one. */
function withPassword(password: string | undefined): string {
  const url = new URL(redis.url);
  url.password = password ?? "";
  return url.toString();
}

describe("a Redis that requires a password", () => {
  it("runs a batch when the address gives it", async () => {
    const worker = await startWorker({ url: redis.url, chains: new ChainRegistry([echo]), concurrency: 2 });
    try {
      const summary = await runBatch(echo, [{ n: 1 }, { n: 2 }, { n: 3 }], { queue: redisQueue(redis.url) });
      expect(summary.done).toBe(3);
      expect((await batchStatus(redis.url, summary.batchId as string)).counts).toMatchObject({ done: 3 });
    } finally {
      await worker.close();
    }
  });

  it("says at once that a password is needed when the address has none (it said no Redis answered)", async () => {
    const started = Date.now();
    const error = await batchStatus(withPassword(undefined), "abc").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueError);
    expect(error).toMatchObject({
      code: "QUEUE_AUTH",
      message: expect.stringMatching(
        /^Redis at redis:\/\/127\.0\.0\.1:\d+\/? requires a password: give it in the address, redis:\/\/:<password>@host:port/,
      ),
    });
    // Not the 5 s wait for a Redis that does not answer.
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("says the password was refused, without printing it, for a worker and a submitter", async () => {
    const url = withPassword("wrong-one");
    const refused = {
      code: "QUEUE_AUTH",
      message: expect.stringMatching(
        /^Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/? refused the password of the address/,
      ),
    };
    const workerError = await startWorker({ url, chains: new ChainRegistry([echo]) }).catch(
      (e: unknown) => e,
    );
    expect(workerError).toMatchObject(refused);
    const batchError = await runBatch(echo, [{ n: 1 }], { queue: redisQueue(url) }).catch((e: unknown) => e);
    expect(batchError).toMatchObject(refused);
    for (const error of [workerError, batchError])
      expect((error as Error).message).not.toContain("wrong-one");
  });
});
