import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineChain } from "../compile/define-chain.ts";
import type { RunOptions, RunResult } from "../runtime/run-types.ts";
import { run } from "../runtime/runner.ts";
import { code } from "../steps/code-step.ts";
import type { SpanInfo, TraceSpan } from "../types.ts";
import { flow, retry, review, sequence } from "./flow-nodes.ts";
import { parallel } from "./parallel.ts";

const input = z.object({ text: z.string() });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function done<T>(r: RunResult<T>): T {
  if (r.status !== "done")
    throw new Error(`expected done, got ${r.status}: ${r.status === "error" ? r.error.message : ""}`);
  return r.output;
}

interface SpanRecord {
  name: string;
  parent?: string;
  kind?: unknown;
  error?: boolean;
}
function recorder() {
  const spans: SpanRecord[] = [];
  const span = (info: SpanInfo, parent?: string): TraceSpan => {
    const rec: SpanRecord = { name: info.name, kind: info.metadata?.kind };
    if (parent !== undefined) rec.parent = parent;
    spans.push(rec);
    return {
      active: true,
      child: (child) => span(child, info.name),
      end: (o) => {
        if (o.error !== undefined) rec.error = true;
      },
    };
  };
  return { spans, tracer: { startRun: (info: SpanInfo) => span(info) } };
}

describe.each([["table"], ["xstate"]] as const)("parallel (driver: %s)", (driver) => {
  const opts: RunOptions = { driver };

  it("runs every node on the same input and joins the outputs by key, in key order", async () => {
    const chain = defineChain({
      name: "par",
      version: "1.0.0",
      input,
      output: z.object({ upper: z.string(), length: z.number(), after: z.string() }),
      flow: flow(input)
        .pipe(
          parallel({
            upper: code("upper", async (d) => {
              await sleep(20);
              return d.text.toUpperCase();
            }),
            length: code("length", (d) => d.text.length),
          }),
        )
        .pipe(code("after", (d) => ({ ...d, after: `${d.upper}:${d.length}` }))),
    });
    const r = await run(chain, { text: "abc" }, opts);
    expect(done(r)).toEqual({ upper: "ABC", length: 3, after: "ABC:3" });
    expect(Object.keys(done(r))).toEqual(["upper", "length", "after"]);
    expect(r.steps.map((s) => [s.name, s.kind, s.status])).toEqual([
      ["length", "code", "done"],
      ["upper", "code", "done"],
      ["parallel-upper-length", "parallel", "done"],
      ["after", "code", "done"],
    ]);
  });

  it("runs the nodes at once, or at most `concurrency` at a time", async () => {
    let inFlight = 0;
    let most = 0;
    const slow = (name: string) =>
      code(name, async (d: { text: string }) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await sleep(15);
        inFlight--;
        return d.text;
      });
    const make = (concurrency?: number) =>
      defineChain({
        name: "par-c",
        version: "1.0.0",
        input,
        output: z.record(z.string(), z.string()),
        flow: parallel(
          { a: slow("a"), b: slow("b"), c: slow("c") },
          concurrency === undefined ? {} : { concurrency },
        ),
      });
    done(await run(make(), { text: "x" }, opts));
    expect(most).toBe(3);
    most = 0;
    done(await run(make(1), { text: "x" }, opts));
    expect(most).toBe(1);
  });

  it("fails with the failing node's error by default, and a retry around it runs it again", async () => {
    let calls = 0;
    const flaky = code("flaky", (d: { text: string }) => {
      calls++;
      if (calls < 2) throw new Error("flaky down");
      return d.text;
    });
    const failing = defineChain({
      name: "par-fail",
      version: "1.0.0",
      input,
      output: z.unknown(),
      flow: parallel({ ok: code("ok", (d: { text: string }) => d.text), bad: flaky }),
    });
    const r = await run(failing, { text: "x" }, opts);
    expect(r.status).toBe("error");
    if (r.status === "error") {
      expect(r.error.message).toContain("flaky down");
      expect(r.steps.at(-1)).toMatchObject({ name: "parallel-ok-bad", kind: "parallel", status: "error" });
    }
    calls = 0;
    const retried = defineChain({
      name: "par-retry",
      version: "1.0.0",
      input,
      output: z.object({ ok: z.string(), bad: z.string() }),
      flow: retry(
        parallel({ ok: code("ok", (d: { text: string }) => d.text), bad: flaky }, { name: "both" }),
        { backoff: { initialMs: 1, jitter: false } },
      ),
    });
    expect(done(await run(retried, { text: "x" }, opts))).toEqual({ ok: "x", bad: "x" });
  });

  it("cancels the branches still running when one fails: their steps' signals abort", async () => {
    let siblingSignal: AbortSignal | undefined;
    // Would wait forever on its own: only the abort of its signal ends it.
    const waits = code("waits", (_d: { text: string }, ctx) => {
      siblingSignal = ctx.signal;
      return new Promise<string>((_resolve, reject) => {
        ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason), { once: true });
      });
    });
    const fails = code("fails", async (_d: { text: string }) => {
      await sleep(5);
      throw new Error("branch down");
    });
    const chain = defineChain({
      name: "par-cancel",
      version: "1.0.0",
      input,
      output: z.unknown(),
      flow: parallel({ waits, fails }),
    });
    const r = await run(chain, { text: "x" }, opts);
    expect(r.status).toBe("error");
    if (r.status === "error") expect(r.error.message).toContain("branch down");
    expect(siblingSignal?.aborted).toBe(true);
    expect(String((siblingSignal?.reason as Error | undefined)?.message)).toContain('branch "fails" failed');
    // Under "collect" no branch is cancelled: each outcome is reported.
    const collect = defineChain({
      name: "par-no-cancel",
      version: "1.0.0",
      input,
      output: z.unknown(),
      flow: parallel(
        {
          quick: code("quick", async (_d: { text: string }, ctx) => {
            await sleep(20);
            return ctx.signal.aborted ? "aborted" : "finished";
          }),
          fails,
        },
        { onError: "collect" },
      ),
    });
    expect(done(await run(collect, { text: "x" }, opts))).toMatchObject({
      quick: { ok: true, value: "finished" },
      fails: { ok: false },
    });
  });

  it('with onError: "collect" runs every node and gives each outcome', async () => {
    const chain = defineChain({
      name: "par-collect",
      version: "1.0.0",
      input,
      output: z.unknown(),
      flow: flow(input).pipe(
        parallel(
          {
            ok: code("ok", (d) => d.text.length),
            bad: code("bad", (): number => {
              throw new Error("no luck");
            }),
          },
          { onError: "collect" },
        ),
      ),
    });
    const output = done(await run(chain, { text: "abcd" }, opts)) as Record<string, unknown>;
    expect(output.ok).toEqual({ ok: true, value: 4 });
    expect(output.bad).toMatchObject({ ok: false, error: { code: "STEP_FAILED" } });
    expect(JSON.stringify((output.bad as { error: unknown }).error)).toContain("no luck");
  });

  it("traces the nodes as sibling spans under the parallel's span, longer ones under a span per key", async () => {
    const { spans, tracer } = recorder();
    const chain = defineChain({
      name: "par-trace",
      version: "1.0.0",
      input,
      output: z.unknown(),
      flow: flow(input).pipe(
        parallel(
          {
            a: code("a", (d) => d.text),
            b: sequence(
              code("b1", (d: { text: string }) => d.text),
              code("b2", (s: string) => s.length),
            ),
          },
          { name: "fan" },
        ),
      ),
    });
    done(await run(chain, { text: "x" }, { ...opts, tracer }));
    expect(spans).toEqual([
      { name: "par-trace", kind: undefined },
      { name: "fan", parent: "par-trace", kind: "parallel" },
      { name: "a", parent: "fan", kind: "code" },
      { name: "b", parent: "fan", kind: "parallel-branch" },
      { name: "b1", parent: "b", kind: "code" },
      { name: "b2", parent: "b", kind: "code" },
    ]);
  });
});

describe("parallel definition", () => {
  it("puts every node into the fingerprint", () => {
    const make = (suffix: string) =>
      defineChain({
        name: "par-fp",
        version: "1.0.0",
        input,
        output: z.unknown(),
        flow: parallel({ a: code("a", (d: { text: string }) => d.text + suffix, { spec: { suffix } }) }),
      });
    expect(make("!").fingerprint).not.toBe(make("?").fingerprint);
    expect(make("!").fingerprint).toBe(make("!").fingerprint);
    expect(make("!").spec()).toMatchObject({ flow: { parallel: "parallel-a", onError: "fail" } });
  });

  it("refuses a review inside, no nodes, and a bad concurrency, naming the fix", () => {
    expect(() =>
      defineChain({
        name: "par-review",
        version: "1.0.0",
        input,
        output: z.unknown(),
        flow: parallel({ a: review("check") }),
      }),
    ).toThrow(/parallel "parallel-a" contains review "check"/);
    expect(() => parallel({})).toThrow(/has no nodes/);
    expect(() => parallel({ a: code("a", (x: unknown) => x) }, { concurrency: 0 })).toThrow(
      /concurrency must be a whole number/,
    );
  });

  it("draws as one state in the Mermaid diagram", () => {
    const chain = defineChain({
      name: "par-mermaid",
      version: "1.0.0",
      input,
      output: z.unknown(),
      flow: parallel({
        a: code("a", (d: { text: string }) => d.text),
        b: code("b", (d: { text: string }) => d),
      }),
    });
    expect(chain.toMermaid()).toContain('state "parallel-a-b (parallel a, b)"');
    expect(chain.steps.map((s) => s.name)).toEqual(["a", "b"]);
  });
});
