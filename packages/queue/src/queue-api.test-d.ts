/*
 * Type tests of @catena/queue's public API (what index.ts exports): what compiles, and, with
 * @ts-expect-error, what must not: options of the wrong type or unknown, callbacks told the wrong
 * thing, results read as what they are not. The queue keeps runBatch's input typing: items of the
 * wrong shape for the chain do not compile with a queue either.
 */
import { type BatchQueue, type Chain, ChainRegistry, runBatch } from "@catena/core";
import { describe, expectTypeOf, it } from "vitest";
import {
  type BatchStatus,
  batchStatus,
  cancelBatch,
  DEFAULT_QUEUE_NAME,
  type ItemJobData,
  itemJobId,
  QueueError,
  type QueueErrorCode,
  type QueueRate,
  type QueueStall,
  type QueueWorker,
  type QueueWorkerOptions,
  queueRate,
  type RedisQueueOptions,
  redactedUrl,
  redisQueue,
  removeBatch,
  startWorker,
} from "./index.ts";

const url = "redis://127.0.0.1:6379";
/** A chain as defineChain gives it (declared: type tests do not run). */
declare const double: Chain<{ n: number }, { twice: number }, unknown>;

describe("redisQueue", () => {
  it("takes an address and options, and is a BatchQueue for runBatch", () => {
    expectTypeOf(redisQueue(url)).toEqualTypeOf<BatchQueue>();
    expectTypeOf(
      redisQueue(url, {
        queueName: "q",
        attempts: 3,
        backoffMs: 1000,
        sweepMs: 2000,
        rate: queueRate({ perMinute: 600 }),
        unreachableAfterMs: 60_000,
        answerWithinMs: 5000,
        keepFinishedMs: 1,
        keepStoppedMs: 1,
        stallAfterMs: 0,
        onStall: (stall) => expectTypeOf(stall).toEqualTypeOf<QueueStall>(),
        onDown: (message) => expectTypeOf(message).toBeString(),
        onBack: () => undefined,
      }),
    ).toEqualTypeOf<BatchQueue>();
    expectTypeOf(runBatch(double, [{ n: 1 }], { queue: redisQueue(url) })).resolves.toHaveProperty("batchId");
  });

  it("refuses options of the wrong type, unknown ones, and an address that is not a string", () => {
    // @ts-expect-error the address is a string
    redisQueue(6379);
    // @ts-expect-error attempts is a number
    redisQueue(url, { attempts: "3" });
    // @ts-expect-error answerWithinMs is milliseconds, a number
    redisQueue(url, { answerWithinMs: "5s" });
    // @ts-expect-error a rate has both max and durationMs
    redisQueue(url, { rate: { max: 10 } });
    // @ts-expect-error a rate is { max, durationMs } (queueRate makes one from per second or per minute)
    redisQueue(url, { rate: "600/m" });
    // @ts-expect-error onDown is told a message, a string
    redisQueue(url, { onDown: (message: number) => message });
    // @ts-expect-error no such option
    redisQueue(url, { retries: 3 });
    // @ts-expect-error exactOptionalPropertyTypes: leave it out rather than pass undefined
    redisQueue(url, { answerWithinMs: undefined });
  });

  it("keeps runBatch's input typing: items of the wrong shape for the chain do not compile", () => {
    // @ts-expect-error n is a number in double's input
    void runBatch(double, [{ n: "1" }], { queue: redisQueue(url) });
    // @ts-expect-error queue is a BatchQueue, not an address
    void runBatch(double, [{ n: 1 }], { queue: url });
  });
});

describe("startWorker", () => {
  it("needs an address and the chains, and resolves to a worker", () => {
    const options: QueueWorkerOptions = { url, chains: new ChainRegistry([double]) };
    expectTypeOf(startWorker(options)).toEqualTypeOf<Promise<QueueWorker>>();
    expectTypeOf(
      startWorker({
        ...options,
        queueName: DEFAULT_QUEUE_NAME,
        concurrency: 16,
        rate: { max: 10, durationMs: 1000 },
        lockDurationMs: 30_000,
        stalledIntervalMs: 1000,
        unreachableAfterMs: 60_000,
        answerWithinMs: 5000,
        deadWorkerAfterMs: 5000,
        stuckAfterMs: 0,
        onRefuse: (message) => expectTypeOf(message).toBeString(),
        onError: (error) => expectTypeOf(error).toEqualTypeOf<Error>(),
        onDown: (message) => expectTypeOf(message).toBeString(),
        onBack: () => undefined,
        onStuck: (message) => expectTypeOf(message).toBeString(),
        onUnreachable: (error) => expectTypeOf(error).toEqualTypeOf<QueueError>(),
      }),
    ).resolves.toEqualTypeOf<QueueWorker>();
    expectTypeOf<QueueWorker["finished"]>().toBeNumber();
    expectTypeOf<QueueWorker["close"]>().toEqualTypeOf<() => Promise<void>>();
  });

  it("refuses missing or mistyped options", () => {
    // @ts-expect-error chains are required
    void startWorker({ url });
    // @ts-expect-error chains are a ChainRegistry, not an array of chains
    void startWorker({ url, chains: [double] });
    // @ts-expect-error concurrency is a number
    void startWorker({ url, chains: new ChainRegistry(), concurrency: "16" });
    // @ts-expect-error lockDurationMs is milliseconds, a number
    void startWorker({ url, chains: new ChainRegistry(), lockDurationMs: "30s" });
    // @ts-expect-error deadWorkerAfterMs is milliseconds, a number
    void startWorker({ url, chains: new ChainRegistry(), deadWorkerAfterMs: "5s" });
    // @ts-expect-error answerWithinMs is milliseconds, a number
    void startWorker({ url, chains: new ChainRegistry(), answerWithinMs: true });
    // @ts-expect-error onUnreachable is told a QueueError, not a string
    void startWorker({ url, chains: new ChainRegistry(), onUnreachable: (error: string) => error });
  });

  it("gives a worker whose count of finished items is read-only", async () => {
    const worker = await startWorker({ url, chains: new ChainRegistry() });
    // @ts-expect-error finished is counted by the worker
    worker.finished = 3;
  });
});

describe("the batch commands and the rest", () => {
  it("type what they take and give", () => {
    expectTypeOf(batchStatus(url, "id")).toEqualTypeOf<Promise<BatchStatus>>();
    expectTypeOf<BatchStatus["state"]>().toEqualTypeOf<"running" | "cancelled" | "stopped" | "finished">();
    expectTypeOf(cancelBatch(url, "id", { queueName: "q" })).toEqualTypeOf<Promise<number>>();
    expectTypeOf(removeBatch(url, "id", { force: true })).toEqualTypeOf<Promise<number>>();
    expectTypeOf(queueRate({ perSecond: 10 })).toEqualTypeOf<QueueRate>();
    expectTypeOf(itemJobId("batch", 3)).toBeString();
    expectTypeOf(redactedUrl(url)).toBeString();
    expectTypeOf<ItemJobData["input"]>().toBeUnknown();
    expectTypeOf(new QueueError("QUEUE_UNREACHABLE", "gone").code).toEqualTypeOf<QueueErrorCode>();
    expectTypeOf<"QUEUE_AUTH">().toExtend<QueueErrorCode>();
    expectTypeOf<"QUEUE_OPTION">().toExtend<QueueErrorCode>();
  });

  it("refuses wrong arguments", () => {
    // @ts-expect-error force is a boolean
    void removeBatch(url, "id", { force: "yes" });
    // @ts-expect-error the batch id is a string
    void batchStatus(url, 42);
    // @ts-expect-error a rate per second or per minute, as numbers
    queueRate("600/m");
    // @ts-expect-error the index is a number
    itemJobId("batch", "3");
    // @ts-expect-error not a code of QueueError
    new QueueError("QUEUE_GONE", "gone");
    // @ts-expect-error status counts are numbers
    expectTypeOf<BatchStatus["counts"]["done"]>().toEqualTypeOf<string>();
  });
});

// RedisQueueOptions is exported for callers that build options apart.
const options: RedisQueueOptions = { attempts: 1 };
void options;
