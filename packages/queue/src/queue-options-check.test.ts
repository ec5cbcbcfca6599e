import { ChainRegistry } from "@catena/core";
import { describe, expect, it } from "vitest";
import type { QueueError } from "./queue-error.ts";
import { startWorker } from "./queue-worker.ts";
import { redisQueue } from "./redis-queue.ts";

/** Nothing listens there: a check that let a bad value through would fail on reaching Redis instead. */
const url = "redis://127.0.0.1:1";

async function refusal(promise: Promise<unknown>): Promise<QueueError> {
  try {
    await promise;
  } catch (error) {
    return error as QueueError;
  }
  throw new Error("not refused");
}

describe("queue options in code", () => {
  it.each([0, 500, Number.NaN, Number.POSITIVE_INFINITY])(
    "refuse answerWithinMs %s with QUEUE_OPTION naming the rule, before connecting",
    async (answerWithinMs) => {
      const spec = {
        batchId: "b",
        chain: { name: "c", version: "1.0.0", fingerprint: "f" },
        resume: false,
        retryFailed: false,
        run: {},
      };
      for (const error of [
        await refusal(startWorker({ url, chains: new ChainRegistry([]), answerWithinMs })),
        await refusal(redisQueue(url, { answerWithinMs }).open(spec)),
      ]) {
        expect(error).toMatchObject({
          code: "QUEUE_OPTION",
          message: `answerWithinMs must be a number of milliseconds, 1000 or more (Redis is checked once a second), got ${answerWithinMs}; leave it out for the default, 5000.`,
        });
      }
    },
  );

  it.each([0, 999, Number.NaN])(
    "refuse deadWorkerAfterMs %s with QUEUE_OPTION",
    async (deadWorkerAfterMs) => {
      const error = await refusal(startWorker({ url, chains: new ChainRegistry([]), deadWorkerAfterMs }));
      expect(error.code).toBe("QUEUE_OPTION");
      expect(error.message).toMatch(
        /^deadWorkerAfterMs must be a number of milliseconds, 1000 or more .*, got/,
      );
    },
  );
});
