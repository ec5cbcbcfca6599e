import { describe, expect, it } from "vitest";
import { z } from "zod";
import { runBatch } from "../batch/run-batch.ts";
import { defineChain } from "../compile/define-chain.ts";
import { assign, branch, cascade, retry, review, sequence } from "../flows/flow-nodes.ts";
import { code } from "../steps/code-step.ts";
import type { StepContext } from "../types.ts";
import { runsStraight } from "./line-run.ts";
import { tableOf } from "./machine-table.ts";
import type { RunOptions, RunResult } from "./run-types.ts";
import { run } from "./runner.ts";

/**
 * The straight run of a plain sequence of steps (`line-run.ts`) against the walk of the same
 * machine: the same chains and inputs run straight (the default), walking the table (with a step
 * timeout no step comes near), and walking a real xstate actor.
 */
const WAYS: readonly (readonly [string, () => RunOptions])[] = [
  ["straight", () => ({})],
  // (A step timeout is a per-step extra: the run walks; no step here comes near it.)
  ["table walk", () => ({ stepTimeoutMs: 600_000 })],
  ["xstate walk", () => ({ driver: "xstate" })],
];

/** What a step saw of its context, in a form that compares across runs. */
type Seen = { keys: string[]; outputs: Record<string, unknown>; attempt: number; aborted: boolean };

/** A result with what varies from run to run (ids, clock readings, the chain ref object) left out. */
function comparable(r: RunResult<unknown>): unknown {
  const { runId, startedAt, ms, chain, steps, ...rest } = r;
  expect(typeof runId).toBe("string");
  expect(startedAt).toBeLessThanOrEqual(Date.now());
  expect(ms).toBeGreaterThanOrEqual(0);
  expect(chain.name).toBeTypeOf("string");
  const error =
    r.status === "error"
      ? { code: r.error.code, message: r.error.message, name: r.error.name, cause: String(r.error.cause) }
      : undefined;
  return {
    ...rest,
    ...(error === undefined ? {} : { error }),
    steps: steps.map(({ startedAt: s, ms: m, ...record }) => {
      expect(s).toBeLessThanOrEqual(Date.now());
      expect(m).toBeGreaterThanOrEqual(0);
      return record;
    }),
  };
}

/** Runs `build()`'s chain on each input all three ways; returns what each way gave. */
async function allWays(
  build: (seen: Seen[]) => unknown,
  inputs: unknown[],
  input: z.ZodType = z.number(),
  output: z.ZodType = z.unknown(),
) {
  const out: Record<string, unknown[]> = {};
  for (const [way, options] of WAYS) {
    const seen: Seen[] = [];
    const chain = defineChain({ name: "diff", version: "1.0.0", input, output, flow: build(seen) as never });
    const results: unknown[] = [];
    for (const x of inputs) results.push(comparable(await run(chain, x as never, options())));
    out[way] = [results, seen];
  }
  return out;
}

const see = (seen: Seen[], ctx: StepContext): void => {
  seen.push({
    keys: Object.keys(ctx),
    outputs: { ...ctx.outputs },
    attempt: ctx.attempt,
    aborted: ctx.signal.aborted,
  });
};

describe("a plain sequence run straight gives what a walk of its machine gives", () => {
  it("qualifies plain sequences only", () => {
    const a = code("a", (x: number) => x + 1);
    const b = code("b", (x: number) => x * 2);
    const lineOf = (flow: unknown) =>
      tableOf(
        defineChain({
          name: "q",
          version: "1.0.0",
          input: z.number(),
          output: z.unknown(),
          flow: flow as never,
        }).compiled,
      ).line?.map((info) => info.step.name);
    expect(lineOf(a)).toEqual(["a"]);
    expect(lineOf(sequence(a, b))).toEqual(["a", "b"]);
    expect(lineOf(sequence(sequence(a), b))).toEqual(["a", "b"]);
    expect(
      lineOf(
        sequence(
          a,
          code("t", (x: number) => x, { timeoutMs: 50 }),
        ),
      ),
    ).toBeUndefined();
    expect(lineOf(retry(sequence(a, b), { name: "again" }))).toBeUndefined();
    expect(lineOf(sequence(a, assign("n", b)))).toBeUndefined();
    expect(lineOf(branch("size", [{ when: (x: number) => x > 1, flow: a }]))).toBeUndefined();
    expect(lineOf(sequence(a, review("ok")))).toBeUndefined();
    const tier = code("tier", () => ({ label: "x", confidence: 0.9 }));
    expect(lineOf(cascade("c", [tier]))).toBeUndefined();
  });

  it("sync, async and thenable steps: outputs, records, usage, confidence and contexts", async () => {
    const ways = await allWays(
      (seen) =>
        sequence(
          code("first", (x: number, ctx) => {
            see(seen, ctx);
            ctx.recordUsage({ inputTokens: 3, costUsd: 0.5 });
            return x + 1;
          }),
          code("middle", async (x: number, ctx) => {
            see(seen, ctx);
            await new Promise((r) => setTimeout(r, 1));
            ctx.recordUsage({ outputTokens: 2 });
            return { value: x, confidence: 0.75 };
          }),
          code("thenable", (d: { value: number }, ctx) => {
            see(seen, ctx);
            // biome-ignore lint/suspicious/noThenProperty: another library's thenable is the point here
            return { then: (ok: (v: number) => void) => ok(d.value * 2) } as unknown as number;
          }),
          code("last", (x: number, ctx) => {
            see(seen, ctx);
            ctx.recordUsage({});
            return x - 1;
          }),
        ),
      [1, 5],
    );
    expect(ways["table walk"]).toEqual(ways.straight);
    expect(ways["xstate walk"]).toEqual(ways.straight);
    const [results] = ways.straight as [{ output: number; usage: unknown; steps: unknown[] }[]];
    expect(results[0]?.output).toBe(3);
    expect(results[0]?.usage).toEqual({ inputTokens: 3, outputTokens: 2, costUsd: 0.5 });
    expect(results[0]?.steps[1]).toMatchObject({ confidence: 0.75, usage: { outputTokens: 2 } });
  });

  it("failures: a throwing step, a rejecting step, a bad input and an output the schema refuses", async () => {
    const ways = await allWays(
      () =>
        sequence(
          code("first", (x: number) => {
            if (x === 1) throw new Error("one is not allowed");
            return x;
          }),
          code("middle", async (x: number) => {
            if (x === 2) throw new TypeError("two rejects");
            return x;
          }),
          code("last", (x: number) => (x === 3 ? "three" : x)),
        ),
      [0, 1, 2, 3, "not a number"],
      z.number(),
      z.number(),
    );
    expect(ways["table walk"]).toEqual(ways.straight);
    expect(ways["xstate walk"]).toEqual(ways.straight);
    const [results] = ways.straight as [{ status: string; error?: { code: string } }[]];
    expect(results.map((r) => [r.status, r.error?.code])).toEqual([
      ["done", undefined],
      ["error", "STEP_FAILED"],
      ["error", "STEP_FAILED"],
      ["error", "OUTPUT_VALIDATION"],
      ["error", "INPUT_VALIDATION"],
    ]);
  });

  it("an output whose then or confidence getter throws fails its step, with the step's record", async () => {
    const ways = await allWays(
      () =>
        code("odd", (x: number) =>
          x === 0
            ? {
                // biome-ignore lint/suspicious/noThenProperty: the point is a then that throws when read
                get then(): never {
                  throw new Error("then getter");
                },
              }
            : {
                get confidence(): never {
                  throw new Error("confidence getter");
                },
              },
        ),
      [0, 1],
    );
    expect(ways["table walk"]).toEqual(ways.straight);
    expect(ways["xstate walk"]).toEqual(ways.straight);
    const [results] = ways.straight as [{ status: string; steps: { status: string }[] }[]];
    expect(results.map((r) => [r.status, r.steps.map((s) => s.status)])).toEqual([
      ["error", ["error"]],
      ["error", ["error"]],
    ]);
  });

  it("a late recordUsage counts in the run's usage but not in a later step's record", async () => {
    let late: StepContext["recordUsage"] = () => {};
    const ways = await allWays(
      () =>
        sequence(
          code("first", (x: number, ctx) => {
            late = ctx.recordUsage;
            return x;
          }),
          code("second", (x: number) => {
            late({ inputTokens: 7 });
            return x;
          }),
        ),
      [1],
    );
    expect(ways["table walk"]).toEqual(ways.straight);
    expect(ways["xstate walk"]).toEqual(ways.straight);
    const [[result]] = ways.straight as [[{ usage: { inputTokens: number }; steps: { usage?: unknown }[] }]];
    expect(result.usage.inputTokens).toBe(7);
    expect(result.steps.map((s) => s.usage)).toEqual([undefined, undefined]);
  });

  it("a run's signal: aborted before the run, while a step waits, and never", async () => {
    expect(runsStraight({ signal: new AbortController().signal })).toBe(true);
    expect(runsStraight({ stepTimeoutMs: 1 })).toBe(false);
    const out: Record<string, unknown> = {};
    for (const [way, options] of WAYS) {
      const chain = defineChain({
        name: "abort",
        version: "1.0.0",
        input: z.number(),
        output: z.number(),
        flow: sequence(
          code("first", (x: number) => x + 1),
          code("wait", (x: number) => new Promise<number>((ok) => setTimeout(() => ok(x), 50))),
          code("last", (x: number) => x * 2),
        ),
      });
      const before = new AbortController();
      before.abort(new Error("stop"));
      const during = new AbortController();
      setTimeout(() => during.abort(), 5);
      out[way] = [
        comparable(await run(chain, 1, { ...options(), signal: before.signal })),
        comparable(await run(chain, 1, { ...options(), signal: during.signal })),
        comparable(await run(chain, 1, { ...options(), signal: new AbortController().signal })),
      ];
    }
    expect(out["table walk"]).toEqual(out.straight);
    expect(out["xstate walk"]).toEqual(out.straight);
    const [before, during, never] = out.straight as {
      status: string;
      error?: { code: string };
      steps: unknown[];
    }[];
    expect([before?.status, before?.error?.code, before?.steps.length]).toEqual(["error", "ABORTED", 0]);
    expect([during?.status, during?.error?.code, during?.steps.length]).toEqual(["error", "ABORTED", 1]);
    expect(never?.status).toBe("done");
  });

  it("a batch's items are the same run straight as walked", async () => {
    const chain = defineChain({
      name: "batch-diff",
      version: "1.0.0",
      input: z.number(),
      output: z.number(),
      flow: sequence(
        code("first", (x: number) => x + 1),
        code("middle", async (x: number) => {
          if (x === 5) throw new Error("five");
          return x;
        }),
        code("last", (x: number) => x * 2),
      ),
    });
    const inputs = Array.from({ length: 20 }, (_, i) => i);
    const straight = await runBatch(chain, inputs, { concurrency: 4 });
    const walked = await runBatch(chain, inputs, { concurrency: 4, driver: "xstate" });
    // Each item without its run's id and time.
    const items = (s: typeof straight) => s.results?.map(({ runId, ms, ...item }) => item);
    expect(items(walked)).toEqual(items(straight));
    expect(straight.done).toBe(19);
    expect(straight.failed).toBe(1);
  });
});
