import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { runBatch } from "../batch/run-batch.ts";
import type { Dataset } from "../datasets/dataset.ts";
import { runExperiment } from "../evals/run-experiment.ts";
import type { AnyFlow } from "../flows/flow-types.ts";
import { run } from "../runtime/runner.ts";
import { llm } from "../steps/llm-step.ts";
import type { SpanAnnotation, SpanInfo, SpanOutcome, Tracer, TraceSpan } from "../types.ts";
import { testServers, textChain } from "./fixtures/provider-fixture.ts";
import type { CachedResponse } from "./response-cache.ts";

// Every answer the provider billed is counted, whether the step could use it or not: the real
// ChatOpenAI against the local test server, which reports the usage a script gives it.

const MODEL = "openai:gpt-4.1-mini-2025-04-14";
// gpt-4.1-mini: $0.40 in, $1.60 out per million tokens.
const cost = (input: number, output: number): number => (input * 0.4 + output * 1.6) / 1e6;
const usage = (promptTokens: number, completionTokens: number) => ({
  usage: { promptTokens, completionTokens },
});

const start = testServers();
const chainOf = (node: AnyFlow) => textChain("billed-usage", node);

const schema = z.object({ label: z.string() });
const structuredStep = (url: string, extra: Record<string, unknown> = {}) =>
  llm("a", {
    model: MODEL,
    prompt: "{text}",
    schema,
    baseURL: url,
    apiKey: "k",
    retry: { initialMs: 5 },
    ...extra,
  });

describe("billed usage of answers the step could not use", () => {
  it("counts a structured answer that is not JSON (rejected inside the OpenAI client), and repairs with its text", async () => {
    const s = await start([
      { content: "I think it is a refund", ...usage(100, 7) },
      { json: { label: "refund" }, ...usage(130, 5) },
    ]);
    const result = await run(chainOf(structuredStep(s.url)), { text: "x" });
    expect(result).toMatchObject({ status: "done", output: { label: "refund" } });
    expect(result.usage).toEqual({ inputTokens: 230, outputTokens: 12, costUsd: expect.any(Number) });
    expect(result.usage.costUsd).toBeCloseTo(cost(230, 12), 12);
    expect(result.steps[0]?.usage).toMatchObject({ inputTokens: 230, outputTokens: 12 });
    // The repair shows the model what it said: the text the client threw away was kept.
    expect(s.chatRequests()[1]?.messages.at(-2)).toMatchObject({
      role: "assistant",
      content: "I think it is a refund",
    });
  });

  it("counts every attempt of a step that ends in MODEL_OUTPUT_INVALID, and keeps the last raw text", async () => {
    const s = await start([
      { content: "not json", ...usage(40, 2) },
      { content: '{"label": 7}', ...usage(60, 4) },
    ]);
    const result = await run(chainOf(structuredStep(s.url)), { text: "x" });
    expect(result.status).toBe("error");
    const cause =
      result.status === "error"
        ? (result.error.cause as { code?: string; details?: Record<string, unknown> })
        : {};
    expect(cause).toMatchObject({ code: "MODEL_OUTPUT_INVALID", details: { rawText: '{"label": 7}' } });
    expect(result.usage).toMatchObject({ inputTokens: 100, outputTokens: 6 });
    expect(result.usage.costUsd).toBeCloseTo(cost(100, 6), 12);
  });

  it("counts answers cut off by the token limit or stopped by the content filter", async () => {
    const s = await start([
      { content: '{"label": "ref', finishReason: "length", ...usage(50, 64) },
      { content: "", finishReason: "content_filter", ...usage(70, 3) },
    ]);
    // The cut answer is not asked again (the same limit would cut it): the fallback model answers next.
    const step = structuredStep(s.url, { fallbacks: ["openai:gpt-4.1-nano-2025-04-14"] });
    const result = await run(chainOf(step), { text: "x" });
    expect(result.status === "error" ? (result.error.cause as { code?: string }).code : "").toBe(
      "MODEL_REFUSED",
    );
    expect(result.usage).toMatchObject({ inputTokens: 120, outputTokens: 67 });
  });

  it("counts each billed attempt of a retried call, and nothing for the failures that were not billed", async () => {
    const s = await start([
      { fail: 500 },
      { content: "", noChoices: true, ...usage(30, 0) },
      { disconnect: "mid-body" },
      { content: "ok", ...usage(30, 1) },
    ]);
    const step = llm("a", {
      model: MODEL,
      prompt: "{text}",
      baseURL: s.url,
      apiKey: "k",
      retry: { initialMs: 5 },
    });
    const result = await run(chainOf(step), { text: "x" });
    expect(result).toMatchObject({ status: "done", output: "ok" });
    expect(s.requests).toHaveLength(4);
    expect(result.usage).toMatchObject({ inputTokens: 60, outputTokens: 1 });
  });

  it("counts a refused answer, streamed or not", async () => {
    for (const onToken of [undefined, () => {}]) {
      const s = await start([{ refusal: "I can't help with that.", ...usage(25, 6) }]);
      const result = await run(chainOf(structuredStep(s.url)), { text: "x" }, onToken ? { onToken } : {});
      expect(result.status === "error" ? result.error.cause : undefined).toMatchObject({
        code: "MODEL_REFUSED",
        message: expect.stringContaining(`the model refused: "I can't help with that."`),
      });
      expect(result.usage).toMatchObject({ inputTokens: 25, outputTokens: 6 });
    }
  });

  it("gives each of many concurrent runs the usage of its own calls", async () => {
    // Each item's answer reports tokens derived from its text; the calls overlap on one model client.
    const s = await start((_request, info) => {
      const n = Number(info.userText);
      return n % 3 === 0
        ? { content: `not json ${n}`, delayMs: n % 7, ...usage(n, 1) }
        : { json: { label: `l${n}` }, delayMs: n % 5, ...usage(n, 2) };
    });
    const chain = chainOf(structuredStep(s.url, { repairs: 0 }));
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => run(chain, { text: String(i + 1) })),
    );
    results.forEach((result, i) => {
      const n = i + 1;
      expect(result.status).toBe(n % 3 === 0 ? "error" : "done");
      expect(result.usage).toMatchObject({ inputTokens: n, outputTokens: n % 3 === 0 ? 1 : 2 });
    });
  });
});

describe("billed usage in the trace and against a budget", () => {
  it("shows the tokens of the failed attempts on their own llm runs", async () => {
    const s = await start([
      { content: "nope", ...usage(11, 1) },
      { json: { label: "refund" }, ...usage(13, 2) },
    ]);
    const runs: Array<{ name: string; metadata: Record<string, unknown>; outcome?: SpanOutcome }> = [];
    const annotations: SpanAnnotation[] = [];
    const span = (info: SpanInfo): TraceSpan => {
      const record: (typeof runs)[number] = { name: info.name, metadata: { ...info.metadata } };
      runs.push(record);
      return {
        active: true,
        child: span,
        end: (outcome) => {
          record.outcome = outcome;
        },
        annotate: (a) => annotations.push(a),
      };
    };
    const tracer: Tracer = { startRun: span };
    const result = await run(chainOf(structuredStep(s.url)), { text: "x" }, { tracer });
    expect(result.status).toBe("done");
    const failed = runs.find((r) => r.name === "a (attempt 1)");
    expect(failed?.metadata).toMatchObject({ usage_metadata: { input_tokens: 11, output_tokens: 1 } });
    expect(failed?.outcome?.error).toBeDefined();
    // The step's run is the call that answered, with its own tokens: each call is counted once.
    expect(annotations.at(-1)?.metadata).toMatchObject({
      usage_metadata: { input_tokens: 13, output_tokens: 2 },
    });
  });

  it("stops an eval at maxCostUsd when the money went on answers that failed", async () => {
    const s = await start(() => ({ content: "not json", ...usage(100_000, 1000) }));
    const chain = chainOf(structuredStep(s.url, { repairs: 0 }));
    const dataset: Dataset = {
      name: "budget",
      contentHash: "0",
      examples: Array.from({ length: 10 }, (_, i) => ({ id: `e${i}`, inputs: { text: `item ${i}` } })),
    };
    // Each item costs $0.0416 (100k in, 1k out), all of it on an answer that fails the schema.
    const experiment = await runExperiment(chain, dataset, { evaluators: [], maxCostUsd: 0.1 });
    expect(experiment.status).toBe("stopped");
    expect(experiment.rows).toHaveLength(2);
    expect(experiment.rows.map((r) => r.status)).toEqual(["error", "error"]);
    // Worded for a library caller, who passed `maxCostUsd`: the CLI names its own `--max-cost`.
    expect(experiment.stoppedReason).toBe(
      "a budget of 0.1 USD: 2 of 10 items cost 0.0832 USD; the next would pass the budget",
    );
    expect(s.requests).toHaveLength(2);
  });

  it("stops a batch at maxCostUsd when the money went on failed answers, and a resume runs the rest", async () => {
    const dir = await mkdtemp(join(tmpdir(), "catena-billed-usage-"));
    try {
      // Every answer fails the schema and costs $0.0416 (100k in, 1k out).
      const s = await start(() => ({ content: "not json", ...usage(100_000, 1000) }));
      const chain = chainOf(structuredStep(s.url, { repairs: 0 }));
      const inputs = Array.from({ length: 10 }, (_, i) => ({ text: `item ${i}` }));
      const checkpoint = join(dir, "out.jsonl");
      const first = await runBatch(chain, inputs, { checkpoint, concurrency: 4, maxCostUsd: 0.1 });
      // The first item runs alone; then one more fits ($0.0832 < $0.10), in flight at once with no other.
      expect(first).toMatchObject({ status: "stopped", failed: 2, done: 0 });
      expect(first.stoppedReason).toBe(
        "a budget of 0.1 USD: 2 items cost 0.0832 USD; the next would pass the budget",
      );
      expect(first.usage.costUsd).toBeCloseTo(2 * cost(100_000, 1000), 12);
      expect(s.requests).toHaveLength(2);
      const rest = await runBatch(chain, inputs, { checkpoint, resume: true, concurrency: 4 });
      expect(rest).toMatchObject({ status: "done", failed: 8, skipped: 2 });
      const lines = (await readFile(checkpoint, "utf8")).trim().split("\n");
      expect(lines).toHaveLength(1 + 10);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("stops a batch and an eval with a budget when the model has no known price, instead of spending at $0", async () => {
    const s = await start(() => ({ json: { label: "refund" }, ...usage(100_000, 1000) }));
    const chain = chainOf(structuredStep(s.url, { model: "openai:my-finetune-x" }));
    const inputs = Array.from({ length: 6 }, (_, i) => ({ text: `item ${i}` }));
    const batch = await runBatch(chain, inputs, { concurrency: 1, maxCostUsd: 0.01 });
    expect(batch).toMatchObject({ status: "stopped", done: 1 });
    expect(batch.stoppedReason).toMatch(/101000 model tokens were spent at no known price.*setModelPrice/);
    expect(s.requests).toHaveLength(1);
    const dataset: Dataset = {
      name: "unpriced",
      contentHash: "0",
      examples: inputs.map((inputs, i) => ({ id: `e${i}`, inputs })),
    };
    const experiment = await runExperiment(chain, dataset, { evaluators: [], maxCostUsd: 0.01 });
    expect(experiment.status).toBe("stopped");
    expect(experiment.rows).toHaveLength(1);
    expect(experiment.stoppedReason).toMatch(/no known price/);
    // Without a budget, an unpriced model runs as before.
    const free = await runBatch(chain, inputs, { concurrency: 2 });
    expect(free).toMatchObject({ status: "done", done: 6 });
  });

  it("says in a batch's usage what its answers from the LLM cache would have cost (cachedUsd), apart from what it spent", async () => {
    const s = await start(() => ({ json: { label: "refund" }, ...usage(1000, 10) }));
    const memory = new Map<string, CachedResponse>();
    const cache = {
      get: async (key: string) => memory.get(key),
      set: async (key: string, value: CachedResponse) => {
        memory.set(key, value);
      },
    };
    const chain = chainOf(structuredStep(s.url, { cache }));
    // The same text three times, one at a time: the second and third answers come from the cache.
    const batch = await runBatch(chain, [{ text: "x" }, { text: "x" }, { text: "x" }], { concurrency: 1 });
    expect(batch).toMatchObject({ status: "done", done: 3 });
    expect(s.chatRequests()).toHaveLength(1);
    expect(batch.usage).toMatchObject({ inputTokens: 1000, outputTokens: 10 });
    expect(batch.usage.costUsd).toBeCloseTo(cost(1000, 10), 12);
    expect(batch.usage.cachedUsd).toBeCloseTo(2 * cost(1000, 10), 12);
  });

  it("says in each item's record of the results file what its answers from the LLM cache would have cost", async () => {
    const s = await start(() => ({ json: { label: "refund" }, ...usage(1000, 10) }));
    const memory = new Map<string, CachedResponse>();
    const cache = {
      get: async (key: string) => memory.get(key),
      set: async (key: string, value: CachedResponse) => {
        memory.set(key, value);
      },
    };
    const chain = chainOf(structuredStep(s.url, { cache }));
    const dir = await mkdtemp(join(tmpdir(), "catena-cached-records-"));
    try {
      const checkpoint = join(dir, "out.jsonl");
      await runBatch(chain, [{ text: "x" }, { text: "x" }], { concurrency: 1, checkpoint });
      const records = (await readFile(checkpoint, "utf8"))
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { index?: number; usage?: Record<string, number> })
        .filter((r) => r.index !== undefined);
      // The first item paid for its answer; the second got it from the cache, spending nothing.
      expect(records[0]?.usage).toEqual({ inputTokens: 1000, outputTokens: 10, costUsd: cost(1000, 10) });
      expect(records[1]?.usage).toEqual({ inputTokens: 0, outputTokens: 0, cachedUsd: cost(1000, 10) });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
