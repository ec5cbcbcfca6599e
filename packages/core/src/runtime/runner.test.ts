import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineChain } from "../compile/define-chain.ts";
import { assign, branch, cascade, flow, map, retry, sequence } from "../flows/flow-nodes.ts";
import { code } from "../steps/code-step.ts";
import { regex } from "../steps/regex-step.ts";
import type { LabelResult, Step } from "../types.ts";
import type { RunOptions, RunResult } from "./run-types.ts";
import { run, runOrThrow } from "./runner.ts";

const text = z.object({ text: z.string().min(1) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A promise that settles only when the test opens it: stands in for a step that ignores its signal. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
const label = (name: string, value: string | null, confidence: number) =>
  code(name, () => ({ label: value, confidence }), { spec: { value, confidence } });

function done<T>(r: RunResult<T>): T {
  if (r.status !== "done")
    throw new Error(`expected done, got ${r.status}: ${r.status === "error" ? r.error.message : ""}`);
  return r.output;
}

// Every flow behaves the same whether the runner walks the machine's table or a real xstate actor.
describe.each([["table"], ["xstate"]] as const)("flows (driver: %s)", (driver) => {
  const opts: RunOptions = { driver };

  it("sequence pipes each step's output into the next and records every step", async () => {
    const chain = defineChain({
      name: "seq",
      version: "1.0.0",
      input: text,
      output: z.object({ words: z.number() }),
      flow: sequence(
        code("trim", ({ text }: { text: string }) => text.trim()),
        code("split", async (s: string) => s.split(/\s+/)),
        code("count", (w: string[]) => ({ words: w.length })),
      ),
    });
    const r = await run(chain, { text: "  one two three " }, opts);
    expect(done(r)).toEqual({ words: 3 });
    expect(r.steps.map((s) => [s.name, s.kind, s.status])).toEqual([
      ["trim", "code", "done"],
      ["split", "code", "done"],
      ["count", "code", "done"],
    ]);
    expect(r.chain).toEqual({ name: "seq", version: "1.0.0", fingerprint: chain.fingerprint });
    expect(r.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.usage).toEqual({ inputTokens: 0, outputTokens: 0, costUsd: 0 });
  });

  it("steps see the chain input and earlier outputs by name", async () => {
    const chain = defineChain({
      name: "scope",
      version: "1.0.0",
      input: text,
      output: z.string(),
      flow: sequence(
        code("upper", ({ text }: { text: string }) => text.toUpperCase()),
        code(
          "both",
          (_: string, ctx) => `${(ctx.input as { text: string }).text}/${String(ctx.outputs.upper)}`,
        ),
      ),
    });
    expect(done(await run(chain, { text: "ab" }, opts))).toBe("ab/AB");
  });

  it("branch takes the first case whose guard holds, else otherwise, else passes data on", async () => {
    const route = (otherwise: boolean) =>
      defineChain({
        name: "route",
        version: "1.0.0",
        input: z.object({ n: z.number() }),
        output: z.unknown(),
        flow: branch(
          "size",
          [
            { label: "big", when: (d: { n: number }) => d.n > 100, flow: code("big", () => "big") },
            { label: "even", when: (d: { n: number }) => d.n % 2 === 0, flow: code("even", () => "even") },
          ],
          otherwise ? { otherwise: code("odd", () => "odd") } : {},
        ),
      });
    expect(done(await run(route(true), { n: 1000 }, opts))).toBe("big");
    expect(done(await run(route(true), { n: 4 }, opts))).toBe("even");
    expect(done(await run(route(true), { n: 3 }, opts))).toBe("odd");
    expect(done(await run(route(false), { n: 3 }, opts))).toEqual({ n: 3 });
  });

  describe("cascade", () => {
    it("fails a tier that returns no label and confidence instead of silently deferring", async () => {
      const untyped = code("counts", () => ({ n: 1 })) as unknown as Step<unknown, LabelResult>;
      const chain = defineChain({
        name: "bad-tier",
        version: "1.0.0",
        input: text,
        output: z.unknown(),
        flow: cascade("c", [untyped], { onExhausted: "deferred" }),
      });
      const r = await run(chain, { text: "x" }, opts);
      expect(r.status).toBe("deferred");
      if (r.status !== "deferred") return;
      expect(r.deferred.errors[0]?.error.message).toMatch(
        /tier "counts" of cascade "c" returned an object without \{ label, confidence \}/,
      );
    });

    const intents = (onExhausted: "best" | "deferred", last = label("llm", "other", 0.6)) =>
      defineChain({
        name: "intents",
        version: "1.0.0",
        input: text,
        output: z.object({
          label: z.string(),
          confidence: z.number(),
          tier: z.string(),
          accepted: z.boolean(),
        }),
        flow: cascade(
          "intent",
          [
            regex("rules", { rules: [{ label: "refund", pattern: /refund/ }] }),
            { step: label("linear", "card", 0.7), threshold: 0.9 },
            { step: last, threshold: 0.8 },
          ],
          { onExhausted },
        ),
      });

    it("stops at the first tier whose confidence clears its threshold", async () => {
      const r = await run(intents("best"), { text: "a refund please" }, opts);
      expect(done(r)).toEqual({ label: "refund", confidence: 1, tier: "rules", accepted: true });
      expect(r.steps.map((s) => [s.name, s.tier, s.status])).toEqual([["rules", "rules", "done"]]);
    });

    it("escalates tier by tier and returns the most confident answer when none is accepted", async () => {
      const r = await run(intents("best"), { text: "hello" }, opts);
      expect(done(r)).toEqual({ label: "card", confidence: 0.7, tier: "linear", accepted: false });
      expect(r.steps.map((s) => s.status)).toEqual(["escalated", "escalated", "escalated"]);
      expect(r.steps[1]?.confidence).toBe(0.7);
    });

    it("defers with the best guess attached when configured", async () => {
      const r = await run(intents("deferred"), { text: "hello" }, opts);
      expect(r.status).toBe("deferred");
      if (r.status !== "deferred") return;
      expect(r.deferred.cascade).toBe("intent");
      expect(r.deferred.best).toEqual({ tier: "linear", result: { label: "card", confidence: 0.7 } });
    });

    it("treats a failing tier as an escalation and reports it when the cascade gives up", async () => {
      const failing = code("llm", () => {
        throw new Error("no provider");
      });
      const r = await run(intents("deferred", failing), { text: "hello" }, opts);
      expect(r.status).toBe("deferred");
      if (r.status !== "deferred") return;
      expect(r.deferred.errors).toEqual([
        {
          tier: "llm",
          error: expect.objectContaining({
            code: "STEP_FAILED",
            message: expect.stringContaining("no provider"),
          }),
        },
      ]);
      expect(r.steps.at(-1)?.status).toBe("error");
    });

    it("uses an accept predicate instead of the threshold when given", async () => {
      const chain = defineChain({
        name: "accept",
        version: "1.0.0",
        input: text,
        output: z.object({ label: z.string(), tier: z.string() }),
        flow: cascade("c", [
          { step: label("weak", "yes", 0.1), accept: (r) => r.label === "yes" },
          label("never", "no", 1),
        ]),
      });
      expect(done(await run(chain, { text: "x" }, opts))).toMatchObject({ label: "yes", tier: "weak" });
    });
  });

  it("assign keeps the data and stores the node's output under a key", async () => {
    const chain = defineChain({
      name: "assign",
      version: "1.0.0",
      input: text,
      output: z.object({
        text: z.string(),
        ids: z.record(z.string(), z.array(z.string())),
        size: z.number(),
      }),
      flow: flow(text)
        .pipe(assign("ids", regex("ids", { extract: /#(?<id>\d+)/, all: true })))
        .pipe(
          assign(
            "size",
            code("size", (d) => d.text.length),
          ),
        ),
    });
    expect(done(await run(chain, { text: "#1 and #2" }, opts))).toEqual({
      text: "#1 and #2",
      ids: { id: ["1", "2"] },
      size: 9,
    });
  });

  it("retry re-runs a failing step with the data it started with, up to the bound", async () => {
    let calls = 0;
    const flaky = code("flaky", (d: { text: string }, ctx) => {
      calls++;
      if (ctx.attempt < 3) throw new Error(`attempt ${ctx.attempt} failed`);
      return { text: d.text, attempt: ctx.attempt };
    });
    const chain = (attempts: number) =>
      defineChain({
        name: "retry",
        version: "1.0.0",
        input: text,
        output: z.unknown(),
        flow: retry(flaky, { attempts, backoff: { initialMs: 1, jitter: false } }),
      });
    const ok = await run(chain(3), { text: "x" }, opts);
    expect(done(ok)).toEqual({ text: "x", attempt: 3 });
    expect(ok.steps.map((s) => [s.status, s.attempt])).toEqual([
      ["error", undefined],
      ["error", 2],
      ["done", 3],
    ]);
    calls = 0;
    const failed = await run(chain(2), { text: "x" }, opts);
    expect(calls).toBe(2);
    expect(failed.status).toBe("error");
    if (failed.status === "error") {
      expect(failed.error.code).toBe("STEP_FAILED");
      expect(failed.error.message).toBe('Step "flaky" (code) failed: attempt 2 failed');
    }
  });

  it("retry does not re-run a step whose error no retry can fix (here another chain's invalid input), unless retryOn says so", async () => {
    const inner = defineChain({
      name: "inner",
      version: "1.0.0",
      input: text,
      output: z.unknown(),
      flow: code("echo", (d: unknown) => d),
    });
    let calls = 0;
    const chain = (retryOn?: () => boolean) =>
      defineChain({
        name: "calls-inner",
        version: "1.0.0",
        input: text,
        output: z.unknown(),
        flow: retry(
          code("call", async () => {
            calls++;
            return runOrThrow(inner, { text: "" });
          }),
          { attempts: 3, backoff: { initialMs: 1 }, ...(retryOn ? { retryOn } : {}) },
        ),
      });
    const r = await run(chain(), { text: "x" }, opts);
    expect(r.status === "error" ? r.error.cause : undefined).toMatchObject({ code: "INPUT_VALIDATION" });
    expect(calls).toBe(1);
    calls = 0;
    await run(
      chain(() => true),
      { text: "x" },
      opts,
    );
    expect(calls).toBe(3);
  });

  it("retry waits with exponential backoff between attempts", async () => {
    const chain = defineChain({
      name: "backoff",
      version: "1.0.0",
      input: text,
      output: z.unknown(),
      flow: retry(
        code("boom", () => {
          starts.push(performance.now());
          throw new Error("boom");
        }),
        { attempts: 3, backoff: { initialMs: 40, factor: 2, jitter: false } },
      ),
    });
    const starts: number[] = [];
    const r = await run(chain, { text: "x" }, opts);
    expect(r.status).toBe("error");
    expect(starts).toHaveLength(3);
    // Lower bounds only: a backoff timer cannot fire early, however loaded the machine (1 ms for rounding).
    const gaps = starts.slice(1).map((t, i) => t - (starts[i] ?? t));
    expect(gaps[0]).toBeGreaterThanOrEqual(40 - 1);
    expect(gaps[1]).toBeGreaterThanOrEqual(80 - 1);
  });

  it("map runs a sub-flow over a list with bounded concurrency and keeps order", async () => {
    let inFlight = 0;
    let peak = 0;
    const chain = defineChain({
      name: "map",
      version: "1.0.0",
      input: z.object({ items: z.array(z.number()) }),
      output: z.array(z.number()),
      flow: map("each", {
        over: (d: { items: number[] }) => d.items,
        concurrency: 3,
        node: sequence(
          code("wait", async (n: number) => {
            inFlight++;
            peak = Math.max(peak, inFlight);
            await sleep(n);
            inFlight--;
            return n;
          }),
          code("square", (n: number) => n * n),
        ),
      }),
    });
    const r = await run(chain, { items: [9, 1, 5, 2, 7, 3, 1] }, opts);
    expect(done(r)).toEqual([81, 1, 25, 4, 49, 9, 1]);
    expect(peak).toBe(3);
    expect(
      r.steps
        .filter((s) => s.name === "square")
        .map((s) => s.item)
        .sort(),
    ).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it("map fails as a whole, naming the map, when an item fails", async () => {
    const chain = defineChain({
      name: "mapfail",
      version: "1.0.0",
      input: z.array(z.number()),
      output: z.unknown(),
      flow: map("each", {
        over: (d: number[]) => d,
        node: code("inv", (n: number) => {
          if (n === 0) throw new RangeError("zero");
          return 1 / n;
        }),
      }),
    });
    const r = await run(chain, [1, 0, 2], opts);
    expect(r.status).toBe("error");
    if (r.status === "error") expect(r.error.message).toContain('Step "inv" (code) failed: zero');
  });
});

describe("run", () => {
  const echo = defineChain({
    name: "echo",
    version: "1.0.0",
    input: text,
    output: z.object({ text: z.string() }),
    flow: code("echo", (d: { text: string }) => d),
  });

  it("rejects input that fails the schema with the field and the fix", async () => {
    // @ts-expect-error a number where the schema wants a string: the run-time check is under test
    const r = await run(echo, { text: 42 });
    expect(r.status).toBe("error");
    if (r.status !== "error") return;
    expect(r.error.code).toBe("INPUT_VALIDATION");
    expect(r.error.name).toBe("InputValidationError");
    expect(r.error.message).toMatch(
      /^Input does not match the input schema of chain "echo": text: .*expected string/,
    );
    expect(r.steps).toEqual([]);
  });

  it("reports output that fails the output schema as the chain's bug", async () => {
    const broken = defineChain({
      name: "broken",
      version: "1.0.0",
      input: text,
      output: z.number(),
      // @ts-expect-error a string where the output schema wants a number: the run-time check is under test
      flow: code("s", () => "no"),
    });
    const r = await run(broken, { text: "x" });
    expect(r.status === "error" && r.error.code).toBe("OUTPUT_VALIDATION");
  });

  it("wraps a step's exception in a StepError naming the step and keeping the cause", async () => {
    const cause = new TypeError("bad thing");
    const chain = defineChain({
      name: "throws",
      version: "1.0.0",
      input: text,
      output: z.unknown(),
      flow: sequence(
        code("ok", (d: unknown) => d),
        code("bad", () => {
          throw cause;
        }),
      ),
    });
    const r = await run(chain, { text: "x" });
    if (r.status !== "error") throw new Error("expected error");
    expect(r.error).toMatchObject({ code: "STEP_FAILED", step: "bad", kind: "code", cause });
    expect(r.steps.map((s) => s.status)).toEqual(["done", "error"]);
    expect(r.steps[1]?.error).toMatchObject({
      code: "STEP_FAILED",
      cause: { name: "TypeError", message: "bad thing" },
    });
  });

  it("times out a slow step without waiting for it and gives the step an aborted signal", async () => {
    let seen: AbortSignal | undefined;
    // The step ignores its signal and only ends when the test lets it, so the run
    // returning at all proves it did not wait for the step.
    const held = gate();
    let stepEnded = false;
    const chain = defineChain({
      name: "slow",
      version: "1.0.0",
      input: text,
      output: z.unknown(),
      flow: code("slow", async (_: unknown, ctx) => {
        seen = ctx.signal;
        await held.promise;
        stepEnded = true;
        return 1;
      }),
    });
    const r = await run(chain, { text: "x" }, { stepTimeoutMs: 30 });
    expect(stepEnded).toBe(false);
    held.open();
    expect(r.status === "error" && r.error.code).toBe("TIMEOUT");
    expect(r.status === "error" && r.error.message).toBe(
      'Step "slow" timed out after 30 ms. Raise the timeout or make the step faster.',
    );
    expect(seen?.aborted).toBe(true);
  });

  it("times out the whole run", async () => {
    const slow = (i: number) =>
      code(`s${i}`, async (d: unknown) => {
        await sleep(20);
        return d;
      });
    const chain = defineChain({
      name: "steps",
      version: "1.0.0",
      input: text,
      output: z.unknown(),
      flow: sequence(slow(1), slow(2), slow(3), slow(4), slow(5)),
    });
    const r = await run(chain, { text: "x" }, { timeoutMs: 50 });
    expect(r.status === "error" && r.error.code).toBe("TIMEOUT");
    expect(r.steps.length).toBeLessThan(5);
  });

  it("stops when aborted, without waiting for the step or retrying it, and says so", async () => {
    const controller = new AbortController();
    // The step ignores its signal and only ends when the test lets it.
    const held = gate();
    let calls = 0;
    let stepEnded = false;
    const chain = defineChain({
      name: "abortable",
      version: "1.0.0",
      input: text,
      output: z.unknown(),
      flow: retry(
        code("wait", async () => {
          calls++;
          setImmediate(() => controller.abort());
          await held.promise;
          stepEnded = true;
        }),
        { attempts: 5 },
      ),
    });
    const r = await run(chain, { text: "x" }, { signal: controller.signal });
    expect(stepEnded).toBe(false);
    held.open();
    expect(r.status === "error" && r.error.code).toBe("ABORTED");
    expect(calls).toBe(1);
    expect(r.steps).toEqual([]); // an aborted run is not a failed step to retry
  });

  it("adds usage recorded by steps to the step and the run", async () => {
    const chain = defineChain({
      name: "usage",
      version: "1.0.0",
      input: text,
      output: z.unknown(),
      flow: sequence(
        code("a", (d: unknown, ctx) => {
          ctx.recordUsage({ inputTokens: 10, outputTokens: 2, costUsd: 0.001 });
          return d;
        }),
        code("b", (d: unknown, ctx) => {
          ctx.recordUsage({ inputTokens: 5 });
          return d;
        }),
      ),
    });
    const r = await run(chain, { text: "x" });
    expect(r.usage).toEqual({ inputTokens: 15, outputTokens: 2, costUsd: 0.001 });
    expect(r.steps[0]?.usage).toEqual({ inputTokens: 10, outputTokens: 2, costUsd: 0.001 });
  });

  it("keeps a returned result's usage as it was when the run ended, whatever a late step records after", async () => {
    // The step ignores the run's timeout, as a model call whose answer arrives late does, and
    // records its usage once the test lets it: after the run returned.
    const held = gate();
    let recorded = false;
    const chain = defineChain({
      name: "late-usage",
      version: "1.0.0",
      input: text,
      output: z.unknown(),
      flow: code("late", async (_: unknown, ctx) => {
        ctx.recordUsage({ inputTokens: 10, outputTokens: 1, costUsd: 0.01 });
        await held.promise;
        ctx.recordUsage({ inputTokens: 500, outputTokens: 50, costUsd: 0.5 });
        recorded = true;
      }),
    });
    const r = await run(chain, { text: "x" }, { timeoutMs: 30 });
    expect(r.status === "error" && r.error.code).toBe("TIMEOUT");
    held.open();
    await expect.poll(() => recorded).toBe(true);
    expect(r.usage).toEqual({ inputTokens: 10, outputTokens: 1, costUsd: 0.01 });
  });

  it("keeps a timed-out step's recorded usage as it was when the step timed out", async () => {
    const held = gate();
    let recorded = false;
    const chain = defineChain({
      name: "late-step-usage",
      version: "1.0.0",
      input: text,
      output: z.unknown(),
      flow: code("late", async (_: unknown, ctx) => {
        ctx.recordUsage({ inputTokens: 10 });
        await held.promise;
        ctx.recordUsage({ inputTokens: 500 });
        recorded = true;
      }),
    });
    const r = await run(chain, { text: "x" }, { stepTimeoutMs: 30 });
    expect(r.status === "error" && r.error.code).toBe("TIMEOUT");
    held.open();
    await expect.poll(() => recorded).toBe(true);
    expect(r.usage.inputTokens).toBe(10);
    expect(r.steps[0]?.usage?.inputTokens).toBe(10);
  });

  it("runOrThrow returns the output or throws the typed error", async () => {
    await expect(runOrThrow(echo, { text: "hi" })).resolves.toEqual({ text: "hi" });
    // @ts-expect-error a missing field: the run-time check is under test
    await expect(runOrThrow(echo, {})).rejects.toMatchObject({ code: "INPUT_VALIDATION" });
    const unsure = defineChain({
      name: "unsure",
      version: "1.0.0",
      input: text,
      output: z.unknown(),
      flow: cascade("c", [{ step: label("weak", "x", 0.2), threshold: 0.9 }], { onExhausted: "deferred" }),
    });
    await expect(runOrThrow(unsure, { text: "hi" })).rejects.toMatchObject({
      name: "RunDeferredError",
      code: "RUN_DEFERRED",
      result: {
        status: "deferred",
        deferred: { best: { tier: "weak", result: { label: "x", confidence: 0.2 } } },
      },
    });
  });

  it("sends spans to an attached tracer: one root run and a child per step", async () => {
    const spans: Array<{ name: string; parent?: string; ended?: boolean; error?: unknown }> = [];
    const span = (name: string, parent?: string) => {
      const rec: (typeof spans)[number] = parent === undefined ? { name } : { name, parent };
      spans.push(rec);
      return {
        active: true,
        child: (info: { name: string }) => span(info.name, name),
        end: (o: { error?: unknown }) => {
          rec.ended = true;
          if (o.error) rec.error = o.error;
        },
      };
    };
    const chain = defineChain({
      name: "traced",
      version: "1.0.0",
      input: text,
      output: z.unknown(),
      flow: sequence(
        code("one", (d: unknown) => d),
        code("two", (d: unknown) => d),
      ),
    });
    await run(chain, { text: "x" }, { tracer: { startRun: (info) => span(info.name) } });
    expect(spans).toEqual([
      { name: "traced", ended: true },
      { name: "one", parent: "traced", ended: true },
      { name: "two", parent: "traced", ended: true },
    ]);
  });
});
