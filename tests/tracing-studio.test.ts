/*
 * Tracing end to end in one process: Catena's tracer sends through the real `langsmith` SDK over
 * HTTP to a studio started here on a free port, and what arrived is read back with the SDK's own
 * client and with Catena's readers. Feedback: tracing-studio-feedback.test.ts; tracerFromEnv:
 * tracing-studio-from-env.test.ts.
 */
import { code, defineChain, resume, review, run, sequence } from "@catena/core";
import { langsmithTracer, listTraces, readTrace } from "@catena/core/tracing";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import type { Run } from "langsmith";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { readRunTree } from "../packages/core/src/tracing/v2-run-reads.ts";
import { traceRuns } from "./support/studio-runs.ts";
import { shapes, useTracingStudio } from "./support/tracing-studio.ts";

const t = useTracingStudio();

function meta(r: Run): Record<string, unknown> {
  return (r.extra?.metadata ?? {}) as Record<string, unknown>;
}

describe("a chain run traced to the studio", () => {
  let runId: string;
  let runs: Run[];
  const byName = (name: string) => runs.filter((r) => r.name === name);

  beforeAll(async () => {
    const tracer = langsmithTracer({ apiUrl: t.studio.url, apiKey: "test", project: "shapes" });
    const result = await run(shapes, { text: " Where is my parcel " }, { tracer });
    expect(result.status).toBe("done");
    runId = result.runId;
    expect((await tracer.flush()).status).toBe("sent");
    tracer.close();
    runs = await traceRuns(t.sdk, "shapes", runId);
  });

  it("is one root run, whose id is the chain run's id, with a child run per step", () => {
    const roots = runs.filter((r) => !r.parent_run_id);
    expect(roots.map((r) => r.id)).toEqual([runId]);
    expect(roots[0]?.run_type).toBe("chain");
    expect(roots[0]?.tags).toEqual(["chain:trace-shapes", "version:2.1.0"]);
    // normalize, route (cascade) with rules + keywords, flaky twice (retry), words (map) with 4 items of 1 step each.
    expect(runs.map((r) => r.name).sort()).toEqual(
      [
        "trace-shapes",
        "normalize",
        "route",
        "rules",
        "keywords",
        "flaky",
        "flaky",
        "words",
        ...["words[0]", "words[1]", "words[2]", "words[3]"],
        ...["upper", "upper", "upper", "upper"],
      ].sort(),
    );
  });

  it("nests cascade tiers under the cascade and map items under the map, with consistent dotted order", () => {
    const id = (name: string) => byName(name)[0]?.id;
    expect(byName("rules")[0]?.parent_run_id).toBe(id("route"));
    expect(byName("keywords")[0]?.parent_run_id).toBe(id("route"));
    for (const name of ["normalize", "route", "flaky", "words"]) {
      for (const r of byName(name)) expect(r.parent_run_id).toBe(runId);
    }
    for (const item of ["words[0]", "words[1]", "words[2]", "words[3]"])
      expect(byName(item)[0]?.parent_run_id).toBe(id("words"));
    const itemIds = new Set(["words[0]", "words[1]", "words[2]", "words[3]"].map(id));
    for (const r of byName("upper")) expect(itemIds.has(r.parent_run_id)).toBe(true);
    const byId = new Map(runs.map((r) => [r.id, r]));
    for (const r of runs) {
      expect(r.trace_id).toBe(runId);
      const parent = r.parent_run_id ? byId.get(r.parent_run_id) : undefined;
      if (parent) expect(r.dotted_order?.startsWith(`${parent.dotted_order}.`)).toBe(true);
      expect(r.dotted_order?.endsWith(r.id)).toBe(true);
    }
  });

  it("puts chain name, version, fingerprint, step kind and the tier decision on the runs", () => {
    for (const r of runs) {
      expect(meta(r)).toMatchObject({
        chain: "trace-shapes",
        version: "2.1.0",
        fingerprint: shapes.fingerprint,
      });
    }
    expect(byName("rules")[0]?.run_type).toBe("parser");
    expect(meta(byName("rules")[0] as Run)).toMatchObject({
      kind: "regex",
      tier: "rules",
      threshold: 0.9,
      accepted: false,
      escalated: true,
    });
    expect(meta(byName("keywords")[0] as Run)).toMatchObject({
      kind: "code",
      tier: "keywords",
      threshold: 0.7,
      confidence: 0.8,
      accepted: true,
    });
    expect(meta(byName("route")[0] as Run)).toMatchObject({
      kind: "cascade",
      tier: "keywords",
      accepted: true,
    });
    const root = byName("trace-shapes")[0] as Run;
    expect(meta(root)).toMatchObject({ status: "done", tier: "keywords", cost_usd: 0, tokens_in: 0 });
  });

  it("records each retry attempt as its own run, the failed one with its error", () => {
    const attempts = byName("flaky").sort((a, b) => Number(meta(a).attempt) - Number(meta(b).attempt));
    expect(attempts.map((r) => meta(r).attempt)).toEqual([1, 2]);
    expect(attempts[0]?.error).toMatch(
      /StepError \[STEP_FAILED\]: Step "flaky" \(code\) failed: transient failure/,
    );
    expect(meta(attempts[0] as Run)).toMatchObject({ status: "error", error_code: "STEP_FAILED" });
    expect(attempts[1]?.error ?? null).toBeNull();
  });

  it("reads back as a tree with the SDK's v2 queries and Catena's readTrace", async () => {
    const root = await readRunTree(t.sdk, runId);
    expect(root?.child_runs?.map((r) => r.name)).toEqual(["normalize", "route", "flaky", "flaky", "words"]);
    const tree = await readTrace(runId, { client: t.reader });
    expect(tree).toMatchObject({ chain: "trace-shapes", version: "2.1.0", status: "done", tier: "keywords" });
    const route = tree.children.find((c) => c.name === "route");
    expect(route?.children.map((c) => [c.name, c.accepted])).toEqual([
      ["rules", false],
      ["keywords", true],
    ]);
    expect(tree.children.find((c) => c.name === "words")?.children).toHaveLength(4);
  });
});

describe("errors", () => {
  it("are recorded on the failing step's run and on the root", async () => {
    const broken = defineChain({
      name: "broken",
      version: "1.0.0",
      input: z.object({ text: z.string() }),
      output: z.unknown(),
      flow: sequence(
        code("fine", (d: unknown) => d),
        code("explodes", () => {
          throw new Error("disk on fire");
        }),
      ),
    });
    const tracer = langsmithTracer({ apiUrl: t.studio.url, apiKey: "test", project: "errors" });
    const result = await run(broken, { text: "x" }, { tracer });
    expect(result.status).toBe("error");
    await tracer.flush();
    tracer.close();
    const tree = await readTrace(result.runId, { client: t.reader });
    expect(tree.status).toBe("error");
    expect(tree.error).toMatch(/disk on fire/);
    const explodes = tree.children.find((c) => c.name === "explodes");
    expect(explodes?.status).toBe("error");
    expect(explodes?.error).toMatch(/STEP_FAILED.*disk on fire/);
    expect(tree.children.find((c) => c.name === "fine")?.error).toBeUndefined();
  });
});

describe("a run paused at a review", () => {
  it("is traced up to the review, and its resumption continues the same trace and closes the review", async () => {
    const approval = defineChain({
      name: "approval",
      version: "1.0.0",
      input: z.object({ amount: z.number() }),
      output: z.object({ refunded: z.boolean() }),
      flow: sequence(
        code("prepare", (d: { amount: number }) => d),
        review("approve", { decision: z.object({ approved: z.boolean() }) }),
        code("finish", (d: { review: { approved: boolean } }) => ({ refunded: d.review.approved })),
      ),
    });
    const tracer = langsmithTracer({ apiUrl: t.studio.url, apiKey: "test", project: "reviews" });
    const paused = await run(approval, { amount: 12 }, { tracer });
    if (paused.status !== "waiting") throw new Error(`expected waiting, got ${paused.status}`);
    await tracer.flush();
    const waiting = await readTrace(paused.runId, { client: t.reader });
    expect(waiting).toMatchObject({ status: "waiting", outputs: { status: "waiting", review: "approve" } });
    expect(waiting.children.map((c) => [c.name, c.status])).toEqual([
      ["prepare", "done"],
      ["approve", "waiting"],
    ]);
    const resumed = await resume(approval, paused.snapshot, { approved: true }, { tracer });
    expect(resumed).toMatchObject({ status: "done", runId: paused.runId, output: { refunded: true } });
    await tracer.flush();
    tracer.close();
    const tree = await readTrace(paused.runId, { client: t.reader });
    expect(tree).toMatchObject({ status: "done", outputs: { refunded: true } });
    expect(tree.children.map((c) => [c.name, c.status])).toEqual([
      ["prepare", "done"],
      ["approve", "decided"],
      ["finish", "done"],
    ]);
    expect(tree.children[1]?.outputs).toEqual({ decision: { approved: true } });
    const traces = await listTraces({ project: "reviews", client: t.reader });
    expect(traces.map((trace) => trace.runId)).toEqual([paused.runId]);
  });
});

describe("LangChain runs inside a step", () => {
  it("nest under the step's run through the span's LangChain callbacks", async () => {
    const model = new FakeListChatModel({ responses: ["billing"] });
    const chain = defineChain({
      name: "with-langchain",
      version: "1.0.0",
      input: z.object({ text: z.string() }),
      output: z.object({ label: z.string() }),
      flow: code("ask", async ({ text }: { text: string }, ctx) => {
        const callbacks = await ctx.trace.langchainCallbacks?.();
        const reply = await model.invoke(text, { callbacks: callbacks as never });
        return { label: String(reply.content) };
      }),
    });
    const tracer = langsmithTracer({ apiUrl: t.studio.url, apiKey: "test", project: "langchain" });
    const result = await run(chain, { text: "refund?" }, { tracer });
    expect(result).toMatchObject({ status: "done", output: { label: "billing" } });
    await tracer.flush();
    tracer.close();
    const tree = await readTrace(result.runId, { client: t.reader });
    const ask = tree.children.find((c) => c.name === "ask");
    expect(ask?.children.map((c) => [c.name, c.runType])).toEqual([["FakeListChatModel", "llm"]]);
    expect(ask?.children[0]?.metadata).toMatchObject({
      chain: "with-langchain",
      version: "1.0.0",
      kind: "code",
    });
    expect(ask?.children[0]?.startedAt && Date.parse(ask.children[0].startedAt)).toBeGreaterThanOrEqual(
      Date.parse(ask?.startedAt ?? ""),
    );
  });
});
