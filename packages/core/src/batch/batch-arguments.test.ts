import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BatchInputError, type BatchQueue, runBatch } from "../index.ts";
import { doubler } from "./run-batch-fixture.case.ts";

// runBatch refuses bad arguments with BATCH_INPUT before it opens or runs anything.

describe("runBatch's arguments", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "catena-batch-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses, from untyped JavaScript, a missing chain or inputs with BATCH_INPUT naming the argument", async () => {
    const untyped = runBatch as (chain?: unknown, inputs?: unknown) => Promise<unknown>;
    await expect(untyped(null)).rejects.toMatchObject({
      code: "BATCH_INPUT",
      message: expect.stringMatching(
        /^runBatch: the first argument must be a chain made with defineChain, got null;/,
      ),
      details: { argument: "chain" },
    });
    await expect(untyped(doubler().chain, null)).rejects.toMatchObject({
      code: "BATCH_INPUT",
      message: expect.stringMatching(
        /^runBatch: inputs \(the second argument\) must be an array or \(async\) iterable .*, got null;/,
      ),
      details: { argument: "inputs" },
    });
    await expect(untyped(doubler().chain, '{"n": 1}')).rejects.toBeInstanceOf(BatchInputError);
  });

  it("refuses a maxCostUsd that is not a number > 0 before opening the results file or the queue", async () => {
    const { chain, state } = doubler();
    const checkpoint = join(dir, "out.jsonl");
    let opened = 0;
    // A queue that would hold the process open once connected: it must never be asked.
    const queue: BatchQueue = {
      open: async () => {
        opened++;
        throw new Error("the queue was opened");
      },
    };
    for (const bad of [0, -1, Number.NaN, "5" as unknown as number]) {
      await expect(runBatch(chain, [{ n: 1 }], { checkpoint, queue, maxCostUsd: bad })).rejects.toMatchObject(
        {
          code: "BATCH_INPUT",
          message: expect.stringMatching(/^maxCostUsd must be a number of US dollars > 0, got /),
        },
      );
    }
    expect(existsSync(checkpoint)).toBe(false);
    expect(opened).toBe(0);
    expect(state.calls).toBe(0);
    // The same path then starts a batch as if the refused one had never been tried.
    const summary = await runBatch(chain, [{ n: 1 }], { checkpoint, maxCostUsd: 1 });
    expect(summary).toMatchObject({ status: "done", done: 1 });
  });
});
