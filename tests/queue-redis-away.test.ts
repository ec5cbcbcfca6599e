/*
 * What a batch and a worker say while Redis is away, on a real redis-server: a Redis that is down
 * (killed, restarting) cannot be reached; a frozen one (SIGSTOP: its connections stay open, as with
 * one slow command) has not answered. The second used to be told as "lost Redis", which it is not:
 * it may answer any moment, with everything it had.
 */
import type { QueuedBatch } from "@catena/core";
import { ChainRegistry, code, defineChain } from "@catena/core";
import { type QueueWorker, redisQueue, startWorker } from "@catena/queue";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { useTestRedis } from "./support/redis.ts";

const echo = defineChain({
  name: "echo",
  version: "1.0.0",
  input: z.object({ n: z.number() }),
  output: z.object({ n: z.number() }),
  flow: code("echo", ({ n }: { n: number }) => ({ n })),
});

const redis = useTestRedis();
const closing: (() => Promise<void>)[] = [];
afterEach(async () => {
  redis.resume();
  for (const close of closing.splice(0)) await close();
});

interface Said {
  batch: string[];
  worker: string[];
}

/** A batch and a worker on a queue of their own, each telling `said` when Redis is away and back. */
async function batchAndWorker(
  said: Said,
  options: { answerWithinMs: number; unreachableAfterMs?: number },
): Promise<{ batch: QueuedBatch; worker: QueueWorker; gaveUp: Promise<Error> }> {
  const queueName = `away-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const batch = await redisQueue(redis.url, {
    queueName,
    ...options,
    onDown: (message) => said.batch.push(message),
    onBack: () => said.batch.push("back"),
  }).open({
    batchId: "away",
    chain: { name: echo.name, version: echo.version, fingerprint: echo.fingerprint },
    resume: false,
    retryFailed: false,
    run: {},
  });
  closing.push(() => batch.close({ complete: false }));
  let gaveUp: (error: Error) => void = () => undefined;
  const worker = await startWorker({
    url: redis.url,
    chains: new ChainRegistry([echo]),
    queueName,
    stuckAfterMs: 0,
    ...options,
    onDown: (message) => said.worker.push(message),
    onBack: () => said.worker.push("back"),
    onUnreachable: (error) => gaveUp(error),
  });
  closing.push(() => worker.close());
  return { batch, worker, gaveUp: new Promise((resolve) => (gaveUp = resolve)) };
}

async function until(condition: () => boolean, what: () => string, ms = 15_000): Promise<void> {
  for (const end = Date.now() + ms; !condition(); ) {
    if (Date.now() > end) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const address = /redis:\/\/127\.0\.0\.1:\d+/.source;

describe("a batch and a worker while Redis is away", () => {
  it("say that a frozen Redis has not answered for so long, and how long they wait: not that they lost it", async () => {
    const said: Said = { batch: [], worker: [] };
    const { batch } = await batchAndWorker(said, { answerWithinMs: 1000 });
    expect((await batch.run(0, { n: 1 })).status).toBe("done");
    redis.pause();
    await until(
      () => said.batch.length > 0 && said.worker.length > 0,
      () => JSON.stringify(said),
    );
    redis.resume();
    const unanswered = `^Redis at ${address} has not answered for \\d+(\\.\\d)? s \\(its connection is open: a slow command, a frozen server or a cut network\\); waiting up to 60 s for an answer`;
    expect(said.batch[0]).toMatch(new RegExp(`${unanswered} \\(items finished so far are kept\\)$`));
    expect(said.worker[0]).toMatch(new RegExp(`${unanswered}$`));
    for (const message of [...said.batch, ...said.worker]) expect(message).not.toMatch(/lost/i);
    await until(
      () => said.batch.at(-1) === "back" && said.worker.at(-1) === "back",
      () => JSON.stringify(said),
    );
    // Told once per outage and once for its end. A freeze may be told as two: BullMQ may drop a
    // blocking connection on the frozen server, which then "cannot be reached" for a moment (seen
    // at load 20); each is then told with its end.
    for (const told of [said.batch, said.worker]) {
      const away = told.filter((message) => message !== "back");
      expect(away.length, JSON.stringify(said)).toBeGreaterThanOrEqual(1);
      expect(
        told.filter((message) => message === "back"),
        JSON.stringify(said),
      ).toHaveLength(away.length);
      for (const message of away) {
        expect(message).toMatch(/^(Redis at .* has not answered for|cannot reach Redis at )/);
      }
    }
    expect((await batch.run(1, { n: 2 })).status).toBe("done");
  }, 60_000);

  it("say that a Redis that is down cannot be reached, with the connection's error, and how long they reconnect", async () => {
    const said: Said = { batch: [], worker: [] };
    const { batch } = await batchAndWorker(said, { answerWithinMs: 1000 });
    await redis.restart({ downMs: 3000 });
    await until(
      () => said.batch.at(-1) === "back" && said.worker.at(-1) === "back",
      () => JSON.stringify(said),
    );
    const unreachable = `^cannot reach Redis at ${address} \\((connect ECONNREFUSED [\\d.:]+|Connection is closed\\.|read ECONNRESET|connection closed)\\); reconnecting for up to 60 s`;
    expect(said.batch[0]).toMatch(new RegExp(`${unreachable} \\(items finished so far are kept\\)$`));
    expect(said.worker[0]).toMatch(new RegExp(`${unreachable}$`));
    expect((await batch.run(0, { n: 1 })).status).toBe("done");
  }, 60_000);

  it("give up on a Redis frozen for longer than they wait with QUEUE_UNREACHABLE saying it did not answer", async () => {
    const said: Said = { batch: [], worker: [] };
    const { batch, gaveUp } = await batchAndWorker(said, { answerWithinMs: 1000, unreachableAfterMs: 1500 });
    expect((await batch.run(0, { n: 1 })).status).toBe("done");
    redis.pause();
    // Waits for good on the frozen Redis: rejected once the batch gives up on it.
    const waiting = batch.run(1, { n: 2 }).catch((error: unknown) => error);
    const error = await waiting;
    const worker = await gaveUp;
    redis.resume();
    expect(error).toMatchObject({
      code: "QUEUE_UNREACHABLE",
      message: expect.stringMatching(
        new RegExp(
          `^Redis at ${address} has not answered for \\d+(\\.\\d)? s \\(its connection stayed open, and a PING got no answer\\); the results file holds every item finished so far: once Redis answers again .*--resume\\.$`,
        ),
      ),
    });
    expect(worker).toMatchObject({
      code: "QUEUE_UNREACHABLE",
      message: expect.stringMatching(
        new RegExp(`^Redis at ${address} has not answered for .*; the worker stopped;`),
      ),
    });
    expect(said.batch[0]).toMatch(/waiting up to 1\.5 s for an answer/);
  }, 60_000);
});
