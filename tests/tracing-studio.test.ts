/*
 * Tracing and feedback end to end in one process: Catena's tracer sends through the real `langsmith`
 * SDK over HTTP to a studio started here on a free port, and what arrived is read back with the
 * SDK's own client and with Catena's readers.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  assign,
  cascade,
  code,
  defineChain,
  map,
  regex,
  resume,
  retry,
  review,
  run,
  sequence,
} from "@catena/core";
import {
  feedback,
  feedbackLink,
  feedbackStats,
  langsmithTracer,
  listFeedback,
  listTraces,
  readFeedbackConfig,
  readTrace,
  setFeedbackConfig,
  type TraceClient,
  traceClient,
  tracerFromEnv,
} from "@catena/core/tracing";
import { startStudio } from "@catena/studio";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { Client, type Run } from "langsmith";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { readRunTree } from "../packages/core/src/tracing/v2-run-reads.ts";
import { rootRuns, traceRuns } from "./support/studio-runs.ts";

let dir: string;
let studio: Awaited<ReturnType<typeof startStudio>>;
let reader: TraceClient;
let sdk: Client;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "catena-tracing-"));
  studio = await startStudio({ port: 0, dbPath: join(dir, "studio.db") });
  reader = traceClient({ apiUrl: studio.url });
  sdk = new Client({ apiUrl: studio.url, apiKey: "test" });
});

afterAll(async () => {
  await studio?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

let flakyCalls = 0;
/** A chain with every construct that makes runs of its own: a cascade, a retry and a map. */
const shapes = defineChain({
  name: "trace-shapes",
  version: "2.1.0",
  input: z.object({ text: z.string() }),
  output: z.unknown(),
  flow: sequence(
    code("normalize", ({ text }: { text: string }) => ({ text: text.trim().toLowerCase() })),
    assign(
      "route",
      cascade("route", [
        { step: regex("rules", { rules: [{ label: "billing", pattern: /\brefund\b/ }] }), threshold: 0.9 },
        { step: code("keywords", () => ({ label: "shipping", confidence: 0.8 })), threshold: 0.7 },
      ]),
    ),
    retry(
      code("flaky", (data) => {
        flakyCalls++;
        if (flakyCalls % 2 === 1) throw new Error("transient failure");
        return data;
      }),
      { attempts: 3, backoff: { initialMs: 1, jitter: false } },
    ),
    map("words", {
      over: (data: { text: string }) => data.text.split(" "),
      node: code("upper", (word: string) => word.toUpperCase()),
      concurrency: 2,
    }),
  ),
});

function meta(r: Run): Record<string, unknown> {
  return (r.extra?.metadata ?? {}) as Record<string, unknown>;
}

describe("a chain run traced to the studio", () => {
  let runId: string;
  let runs: Run[];
  const byName = (name: string) => runs.filter((r) => r.name === name);

  beforeAll(async () => {
    const tracer = langsmithTracer({ apiUrl: studio.url, apiKey: "test", project: "shapes" });
    const result = await run(shapes, { text: " Where is my parcel " }, { tracer });
    expect(result.status).toBe("done");
    runId = result.runId;
    expect((await tracer.flush()).status).toBe("sent");
    tracer.close();
    runs = await traceRuns(sdk, "shapes", runId);
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
    const root = await readRunTree(sdk, runId);
    expect(root?.child_runs?.map((r) => r.name)).toEqual(["normalize", "route", "flaky", "flaky", "words"]);
    const tree = await readTrace(runId, { client: reader });
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
    const tracer = langsmithTracer({ apiUrl: studio.url, apiKey: "test", project: "errors" });
    const result = await run(broken, { text: "x" }, { tracer });
    expect(result.status).toBe("error");
    await tracer.flush();
    tracer.close();
    const tree = await readTrace(result.runId, { client: reader });
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
    const tracer = langsmithTracer({ apiUrl: studio.url, apiKey: "test", project: "reviews" });
    const paused = await run(approval, { amount: 12 }, { tracer });
    if (paused.status !== "waiting") throw new Error(`expected waiting, got ${paused.status}`);
    await tracer.flush();
    const waiting = await readTrace(paused.runId, { client: reader });
    expect(waiting).toMatchObject({ status: "waiting", outputs: { status: "waiting", review: "approve" } });
    expect(waiting.children.map((c) => [c.name, c.status])).toEqual([
      ["prepare", "done"],
      ["approve", "waiting"],
    ]);
    const resumed = await resume(approval, paused.snapshot, { approved: true }, { tracer });
    expect(resumed).toMatchObject({ status: "done", runId: paused.runId, output: { refunded: true } });
    await tracer.flush();
    tracer.close();
    const tree = await readTrace(paused.runId, { client: reader });
    expect(tree).toMatchObject({ status: "done", outputs: { refunded: true } });
    expect(tree.children.map((c) => [c.name, c.status])).toEqual([
      ["prepare", "done"],
      ["approve", "decided"],
      ["finish", "done"],
    ]);
    expect(tree.children[1]?.outputs).toEqual({ decision: { approved: true } });
    const traces = await listTraces({ project: "reviews", client: reader });
    expect(traces.map((t) => t.runId)).toEqual([paused.runId]);
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
    const tracer = langsmithTracer({ apiUrl: studio.url, apiKey: "test", project: "langchain" });
    const result = await run(chain, { text: "refund?" }, { tracer });
    expect(result).toMatchObject({ status: "done", output: { label: "billing" } });
    await tracer.flush();
    tracer.close();
    const tree = await readTrace(result.runId, { client: reader });
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

describe("feedback", () => {
  let runId: string;

  beforeAll(async () => {
    const tracer = langsmithTracer({ apiUrl: studio.url, apiKey: "test", project: "feedback" });
    runId = (await run(shapes, { text: "refund please" }, { tracer })).runId;
    await tracer.flush();
    tracer.close();
  });

  it("is created and listed through core's API", async () => {
    const given = await feedback(
      runId,
      {
        key: "correctness",
        score: 0,
        comment: "wrong queue",
        correction: { queue: "billing" },
        source: { user: "ana" },
      },
      { client: reader },
    );
    expect(given).toMatchObject({ runId, key: "correctness", score: 0 });
    const listed = await listFeedback({ runIds: [runId], client: reader });
    expect(listed).toEqual([
      expect.objectContaining({
        id: given.id,
        key: "correctness",
        score: 0,
        comment: "wrong queue",
        correction: { queue: "billing" },
        source: { user: "ana" },
      }),
    ]);
  });

  it("refuses a run id the backend does not know, naming it", async () => {
    await expect(
      feedback("01900000-0000-7000-8000-000000000000", { key: "rating", score: 3 }, { client: reader }),
    ).rejects.toMatchObject({
      code: "RUN_NOT_FOUND",
      message: expect.stringContaining("01900000-0000-7000-8000-000000000000"),
    });
    await expect(feedback(runId, { key: "rating" }, { client: reader })).rejects.toMatchObject({
      code: "FEEDBACK_INVALID",
    });
  });

  it("is checked against its key's config before it is sent: the backend's, else rating's 1–5", async () => {
    await expect(feedback(runId, { key: "rating", score: 999 }, { client: reader })).rejects.toMatchObject({
      code: "FEEDBACK_INVALID",
      message: expect.stringMatching(/score 999 is outside 1–5.*give a score from 1 to 5/),
    });
    await setFeedbackConfig(
      "helpful",
      {
        type: "categorical",
        categories: [
          { value: 1, label: "yes" },
          { value: 0, label: "no" },
        ],
      },
      { client: reader },
    );
    expect(await readFeedbackConfig("helpful", { client: reader })).toEqual({
      type: "categorical",
      categories: [
        { value: 1, label: "yes" },
        { value: 0, label: "no" },
      ],
    });
    await expect(
      feedback(runId, { key: "helpful", value: "maybe" }, { client: reader }),
    ).rejects.toMatchObject({
      code: "FEEDBACK_INVALID",
      message: expect.stringMatching(/value "maybe" is not one of its categories.*"yes", "no"/),
    });
    await feedback(runId, { key: "helpful", score: 1, value: "yes" }, { client: reader });
    expect(await listFeedback({ runIds: [runId], keys: ["rating", "helpful"], client: reader })).toEqual([
      expect.objectContaining({ key: "helpful", score: 1 }),
    ]);
  });

  it("comes in through a presigned link without an API key", async () => {
    const link = await feedbackLink(runId, "thumbs", { expiresInHours: 1, client: reader });
    expect(Date.parse(link.expiresAt)).toBeGreaterThan(Date.now());
    const response = await fetch(link.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ score: 1, comment: "via link" }),
    });
    expect(response.ok).toBe(true);
    const thumbs = await listFeedback({ runIds: [runId], keys: ["thumbs"], client: reader });
    expect(thumbs).toEqual([expect.objectContaining({ score: 1, comment: "via link" })]);
  });

  it("is counted per period and version, and shows on the listed runs", async () => {
    const tracer = langsmithTracer({ apiUrl: studio.url, apiKey: "test", project: "feedback" });
    const second = (await run(shapes, { text: "parcel late" }, { tracer })).runId;
    await tracer.flush();
    tracer.close();
    await feedback(runId, { key: "rating", score: 4 }, { client: reader });
    await feedback(second, { key: "rating", score: 2 }, { client: reader });
    const stats = await feedbackStats({
      chain: "trace-shapes",
      key: "rating",
      by: "version",
      per: "day",
      project: "feedback",
      client: reader,
    });
    const today = new Date().toISOString().slice(0, 10);
    expect(stats.runs).toBe(2);
    expect(stats.rows).toEqual([
      { period: today, group: "2.1.0", count: 2, scored: 2, meanScore: 3, minScore: 2, maxScore: 4 },
    ]);
    const listed = await listTraces({ chain: "trace-shapes", project: "feedback", client: reader });
    expect(listed.map((r) => r.runId)).toEqual([second, runId]);
    expect(listed[1]?.feedback).toMatchObject({
      rating: { count: 1, meanScore: 4 },
      correctness: { count: 1, meanScore: 0 },
    });
    expect(await listTraces({ chain: "no-such-chain", project: "feedback", client: reader })).toEqual([]);
    expect(
      await listTraces({ project: "feedback", since: new Date(Date.now() + 60_000), client: reader }),
    ).toEqual([]);
  });
});

describe("tracerFromEnv", () => {
  it("traces to LangSmith's API when LANGSMITH_API_KEY is set, and the SDK's own client reads it back", async () => {
    const backend = await tracerFromEnv({
      env: { LANGSMITH_API_KEY: "any", LANGSMITH_ENDPOINT: studio.url, LANGSMITH_PROJECT: "from-env" },
    });
    expect(backend).toMatchObject({ kind: "langsmith", url: studio.url, inProcess: false });
    if (backend === undefined) throw new Error("no backend");
    const result = await run(shapes, { text: "refund" }, { tracer: backend.tracer });
    expect((await backend.close()).status).toBe("sent");
    const roots = await rootRuns(sdk, "from-env");
    expect(roots.map((r) => r.id)).toEqual([result.runId]);
  });

  it("starts the studio it is given when there is no key, and is off with LANGSMITH_TRACING=false", async () => {
    let started = 0;
    const backend = await tracerFromEnv({
      env: {},
      startStudio: async () => {
        started++;
        return startStudio({ port: 0, dbPath: join(dir, "own.db") });
      },
    });
    expect(backend).toMatchObject({ kind: "studio", inProcess: true });
    expect(started).toBe(1);
    if (backend === undefined) throw new Error("no backend");
    const result = await run(shapes, { text: "refund" }, { tracer: backend.tracer });
    expect((await backend.tracer.flush()).status).toBe("sent");
    expect(await readTrace(result.runId, { client: backend.client })).toMatchObject({
      chain: "trace-shapes",
    });
    // The SDK's links from the backend's client open the studio's page, not localhost:3000.
    const link = await backend.client.client.getRunUrl({ runId: result.runId });
    expect(link.startsWith(`${backend.url}/o/`)).toBe(true);
    expect((await fetch(link)).headers.get("content-type")).toMatch(/text\/html/);
    expect((await backend.close()).status).toBe("sent");
    expect(
      await tracerFromEnv({ env: { LANGSMITH_TRACING: "false", LANGSMITH_API_KEY: "x" } }),
    ).toBeUndefined();
    expect(await tracerFromEnv({ env: {} })).toBeUndefined();
  });

  it("sends a chain's runs to the project its metadata names", async () => {
    const projectChain = defineChain({
      name: "own-project",
      version: "1.0.0",
      input: z.object({ text: z.string() }),
      output: z.unknown(),
      metadata: { project: "team-a", owner: "ana" },
      flow: code("echo", (d: unknown) => d),
    });
    const tracer = langsmithTracer({ apiUrl: studio.url, apiKey: "test", project: "elsewhere" });
    const result = await run(projectChain, { text: "x" }, { tracer });
    await tracer.flush();
    tracer.close();
    const listed = await listTraces({ project: "team-a", client: reader });
    expect(listed.map((r) => r.runId)).toEqual([result.runId]);
    expect(await listTraces({ project: "elsewhere", client: reader })).toEqual([]);
  });
});
