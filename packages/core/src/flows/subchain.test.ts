import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineChain } from "../compile/define-chain.ts";
import type { RunOptions, RunResult, RunSnapshot } from "../runtime/run-types.ts";
import { resume, run } from "../runtime/runner.ts";
import { code } from "../steps/code-step.ts";
import type { LabelResult, SpanInfo, TraceSpan } from "../types.ts";
import { cascade, flow, review, sequence } from "./flow-nodes.ts";
import { subchain } from "./subchain.ts";

function done<T>(r: RunResult<T>): T {
  if (r.status !== "done")
    throw new Error(`expected done, got ${r.status}: ${r.status === "error" ? r.error.message : ""}`);
  return r.output;
}

const wordsIn = z.object({ text: z.string().min(1) });
const counter = (suffix = "") =>
  defineChain({
    name: "word-count",
    version: "2.1.0",
    input: wordsIn,
    output: z.object({ n: z.number().int() }),
    flow: sequence(
      code(
        "split",
        ({ text }: { text: string }, ctx) => {
          ctx.recordUsage({ inputTokens: 10, outputTokens: 2, costUsd: 0.5 });
          return text.split(" ");
        },
        { spec: { suffix } },
      ),
      code("count", (w: string[]) => ({ n: w.length })),
    ),
  });

const outerIn = z.object({ title: z.string() });
const outer = (inner: ReturnType<typeof counter>) =>
  defineChain({
    name: "outer",
    version: "1.0.0",
    input: outerIn,
    output: z.object({ words: z.number() }),
    flow: flow(outerIn)
      .pipe(code("to-text", (d) => ({ text: d.title })))
      .pipe(subchain(inner))
      .pipe(code("wrap", (d) => ({ words: d.n }))),
  });

const refund = defineChain({
  name: "refund",
  version: "1.3.0",
  input: z.object({ amount: z.number() }),
  output: z.object({ amount: z.number(), approved: z.boolean() }),
  flow: flow(z.object({ amount: z.number() }))
    .pipe(code("prepare", (d) => ({ amount: d.amount })))
    .pipe(review("approve", { decision: z.object({ ok: z.boolean() }), prompt: "Refund?" }))
    .pipe(code("decide", (d) => ({ amount: d.amount, approved: d.review.ok }))),
});
const support = defineChain({
  name: "support",
  version: "1.0.0",
  input: z.object({ amount: z.number() }),
  output: z.object({ reply: z.string() }),
  flow: flow(z.object({ amount: z.number() }))
    .pipe(code("before", (d) => ({ amount: d.amount * 2 })))
    .pipe(subchain(refund))
    .pipe(code("reply", (d) => ({ reply: d.approved ? `refunded ${d.amount}` : "no refund" }))),
});

function recorder() {
  const spans: Array<{ name: string; parent?: string; kind?: unknown; version?: unknown }> = [];
  const span = (info: SpanInfo, parent?: string): TraceSpan => {
    spans.push({
      name: info.name,
      ...(parent === undefined ? {} : { parent }),
      kind: info.metadata?.kind,
      ...(info.metadata?.kind === "subchain" ? { version: info.metadata.version } : {}),
    });
    return { active: true, child: (child) => span(child, info.name), end: () => {} };
  };
  return { spans, tracer: { startRun: (info: SpanInfo) => span(info) } };
}

describe.each([["table"], ["xstate"]] as const)("subchain (driver: %s)", (driver) => {
  const opts: RunOptions = { driver };

  it("runs the other chain as a step: its steps in this run's records, its usage in this run's", async () => {
    const r = await run(outer(counter()), { title: "one two three" }, opts);
    expect(done(r)).toEqual({ words: 3 });
    expect(r.steps.map((s) => [s.name, s.kind, s.status])).toEqual([
      ["to-text", "code", "done"],
      ["split", "code", "done"],
      ["count", "code", "done"],
      ["word-count", "subchain", "done"],
      ["wrap", "code", "done"],
    ]);
    expect(r.usage).toEqual({ inputTokens: 10, outputTokens: 2, costUsd: 0.5 });
  });

  it("validates the subchain's input and output with its own schemas", async () => {
    const bad = await run(outer(counter()), { title: "" }, opts);
    expect(bad.status).toBe("error");
    if (bad.status === "error") {
      expect(bad.error.code).toBe("STEP_FAILED");
      expect(JSON.stringify(bad.error.toJSON())).toContain("INPUT_VALIDATION");
      expect(bad.steps.at(-1)).toMatchObject({ name: "word-count", kind: "subchain", status: "error" });
    }
    const liar = defineChain({
      name: "liar",
      version: "1.0.0",
      input: z.string(),
      output: z.number(),
      // Typed as a number for the test; gives a string at run time.
      flow: code("lie", (s: string) => s as unknown as number),
    });
    const wrapper = defineChain({
      name: "wrapper",
      version: "1.0.0",
      input: z.string(),
      output: z.number(),
      flow: subchain(liar),
    });
    const r = await run(wrapper, "x", opts);
    expect(r.status).toBe("error");
    if (r.status === "error") expect(JSON.stringify(r.error.toJSON())).toContain("OUTPUT_VALIDATION");
  });

  it("nests its steps' spans under a span carrying its name and version, in the same trace", async () => {
    const { spans, tracer } = recorder();
    done(await run(outer(counter()), { title: "a b" }, { ...opts, tracer }));
    expect(spans).toEqual([
      { name: "outer", kind: undefined },
      { name: "to-text", parent: "outer", kind: "code" },
      { name: "word-count", parent: "outer", kind: "subchain", version: "2.1.0" },
      { name: "split", parent: "word-count", kind: "code" },
      { name: "count", parent: "word-count", kind: "code" },
      { name: "wrap", parent: "outer", kind: "code" },
    ]);
  });

  it("gives the subchain's steps its own name and version in ctx.chain, before and after a pause", async () => {
    const seen: string[] = [];
    const see = (where: string) =>
      code(where, (d: { amount: number }, ctx) => {
        seen.push(`${where} ${ctx.chain.name}@${ctx.chain.version}`);
        return d;
      });
    const inner = defineChain({
      name: "inner-refund",
      version: "4.2.0",
      input: z.object({ amount: z.number() }),
      output: z.object({ amount: z.number() }),
      flow: flow(z.object({ amount: z.number() }))
        .pipe(see("inner-before"))
        .pipe(review("approve", { decision: z.object({ ok: z.boolean() }) }))
        .pipe(
          code("inner-after", (d, ctx) => {
            seen.push(`inner-after ${ctx.chain.name}@${ctx.chain.version}`);
            return { amount: d.amount };
          }),
        ),
    });
    const parent = defineChain({
      name: "parent",
      version: "1.0.0",
      input: z.object({ amount: z.number() }),
      output: z.object({ amount: z.number() }),
      flow: flow(z.object({ amount: z.number() }))
        .pipe(see("outer-before"))
        .pipe(subchain(inner))
        .pipe(see("outer-after")),
    });
    const paused = await run(parent, { amount: 3 }, opts);
    if (paused.status !== "waiting") throw new Error(`expected waiting, got ${paused.status}`);
    const r = await resume(parent, paused.snapshot, { ok: true }, opts);
    expect(done(r)).toEqual({ amount: 3 });
    expect(seen).toEqual([
      "outer-before parent@1.0.0",
      "inner-before inner-refund@4.2.0",
      "inner-after inner-refund@4.2.0",
      "outer-after parent@1.0.0",
    ]);
  });

  it("pauses the outer run at a review inside, and resume continues inside the subchain", async () => {
    const paused = await run(support, { amount: 5 }, opts);
    expect(paused.status).toBe("waiting");
    if (paused.status !== "waiting") return;
    expect(paused.snapshot.review).toEqual({ name: "approve", prompt: "Refund?" });
    expect(paused.snapshot.state).toBe("refund");
    // The snapshot is plain JSON: resume from a copy, as another process would.
    const snapshot = JSON.parse(JSON.stringify(paused.snapshot)) as RunSnapshot;
    const r = await resume(support, snapshot, { ok: true }, opts);
    expect(done(r)).toEqual({ reply: "refunded 10" });
    expect(r.runId).toBe(paused.runId);
    expect(r.steps.map((s) => [s.name, s.kind])).toEqual([
      ["before", "code"],
      ["prepare", "code"],
      ["approve", "review"],
      ["decide", "code"],
      ["refund", "subchain"],
      ["reply", "code"],
    ]);
    const rejected = await resume(support, snapshot, { ok: false }, opts);
    expect(done(rejected)).toEqual({ reply: "no refund" });
  });

  it("checks the decision against the inner review's schema", async () => {
    const paused = await run(support, { amount: 1 }, opts);
    if (paused.status !== "waiting") throw new Error("expected waiting");
    // @ts-expect-error the inner review wants { ok: boolean }
    const r = await resume(support, paused.snapshot, { ok: "yes" }, opts);
    expect(r.status).toBe("error");
    if (r.status === "error") {
      expect(r.error.code).toBe("INPUT_VALIDATION");
      expect(r.error.message).toContain('review "approve"');
    }
  });

  it("pauses and resumes through two levels of subchains", async () => {
    const middle = defineChain({
      name: "middle",
      version: "1.0.0",
      input: z.object({ amount: z.number() }),
      output: z.object({ reply: z.string() }),
      flow: subchain(support, { name: "inner-support" }),
    });
    const paused = await run(middle, { amount: 2 }, opts);
    if (paused.status !== "waiting") throw new Error(`expected waiting, got ${paused.status}`);
    expect(paused.snapshot.review.name).toBe("approve");
    const r = await resume(middle, JSON.parse(JSON.stringify(paused.snapshot)), { ok: true }, opts);
    expect(done(r)).toEqual({ reply: "refunded 4" });
  });

  it("defers the outer run when the subchain defers", async () => {
    const unsure = (name: string): ReturnType<typeof code<unknown, LabelResult>> =>
      code(name, () => ({ label: "x", confidence: 0.1 }));
    const deferring = defineChain({
      name: "deferring",
      version: "1.0.0",
      input: z.string(),
      output: z.unknown(),
      flow: cascade("pick", [{ step: unsure("guess"), threshold: 0.9 }], { onExhausted: "deferred" }),
    });
    const wrapper = defineChain({
      name: "defer-wrapper",
      version: "1.0.0",
      input: z.string(),
      output: z.unknown(),
      flow: sequence(
        subchain(deferring),
        code("after", (d: unknown) => d),
      ),
    });
    const r = await run(wrapper, "x", opts);
    expect(r.status).toBe("deferred");
    if (r.status === "deferred") expect(r.deferred.cascade).toBe("pick");
  });
});

describe("subchain definition", () => {
  it("puts the subchain's fingerprint, name and version into the parent's", () => {
    const a = outer(counter("a"));
    const b = outer(counter("b"));
    expect(a.fingerprint).not.toBe(b.fingerprint);
    expect(a.fingerprint).toBe(outer(counter("a")).fingerprint);
    const inner = counter("a");
    expect(a.spec()).toMatchObject({
      flow: {
        sequence: [
          { step: "to-text" },
          { subchain: "word-count", chain: "word-count", version: "2.1.0", fingerprint: inner.fingerprint },
          { step: "wrap" },
        ],
      },
    });
    expect(a.steps.map((s) => s.name)).toEqual(["to-text", "split", "count", "wrap"]);
    expect(a.toMermaid()).toContain('state "word-count (subchain word-count@2.1.0)"');
  });
});
