/*
 * Experiments through the public functions: a small chain with a cheap tier and an LLM tier
 * (answered by the OpenAI test server) run over a dataset, summarised, compared, stopped by a budget.
 */
import { type OpenAiTestServer, startOpenAiTestServer } from "@catena/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineChain } from "../compile/define-chain.ts";
import type { Dataset } from "../datasets/dataset.ts";
import { cascade, flow } from "../flows/flow-nodes.ts";
import { type CachedResponse, defaultResponseCache, setDefaultResponseCache } from "../llm/response-cache.ts";
import { code } from "../steps/code-step.ts";
import { llm } from "../steps/llm-step.ts";
import { compareExperiments, comparisonMetrics } from "./compare-experiments.ts";
import { experimentMetricNames, experimentMetrics, summarizeExperiment } from "./experiment-summary.ts";
import { fieldMatch } from "./field-match.ts";
import { llmJudge } from "./llm-judge.ts";
import { pairwiseJudge } from "./pairwise-judge.ts";
import { runExperiment } from "./run-experiment.ts";

let server: OpenAiTestServer;
const asked = new Map<string, number>();

beforeAll(async () => {
  server = await startOpenAiTestServer((request) => {
    if (request.response_format?.json_schema?.name === "verdict") {
      // The pairwise judge prefers the output that says "refund", wherever it is shown.
      const text = JSON.stringify(request.messages);
      const a = text.split("Output A:")[1]?.split("Output B:")[0] ?? "";
      return { json: { reason: "mentions the refund", preferred: a.includes("refund") ? "A" : "B" } };
    }
    // A non-deterministic LLM tier: each message gets another answer each time it is asked.
    const text = JSON.stringify(request.messages.at(-1));
    const n = (asked.get(text) ?? 0) + 1;
    asked.set(text, n);
    return { json: { label: n % 2 === 0 ? "billing" : "other" } };
  });
});
afterAll(() => server.close());

const input = z.object({ text: z.string() });
const output = z.looseObject({ label: z.string(), confidence: z.number(), tier: z.string() });
const chain = (version: string, billingWord: string) =>
  defineChain({
    name: "toy-router",
    version,
    input,
    output,
    flow: flow(input).pipe(
      cascade("route", [
        {
          step: code("keywords", ({ text }: { text: string }) =>
            text.includes(billingWord)
              ? { label: "billing", confidence: 1 }
              : { label: "other", confidence: 0.1 },
          ),
          threshold: 0.9,
        },
        llm("llm", {
          model: "openai:gpt-4.1-mini-2025-04-14",
          prompt: "Route: {text}",
          labels: ["billing", "other"],
          baseURL: server.url,
          apiKey: "t",
          logprobs: false,
        }),
      ]),
    ),
  });

const dataset: Dataset = {
  name: "toy",
  contentHash: "toy",
  examples: [
    { id: "a", inputs: { text: "refund please" }, outputs: { label: "billing" } },
    { id: "b", inputs: { text: "invoice copy" }, outputs: { label: "billing" } },
    { id: "c", inputs: { text: "hello there" }, outputs: { label: "other" } },
  ],
};
const evaluators = [fieldMatch({ fields: ["label"] })];

describe("runExperiment and its summary", () => {
  it("reports per-tier coverage, the LLM share and non-determinism across repeats", async () => {
    const e = await runExperiment(chain("1.0.0", "refund"), dataset, { evaluators, repeats: 3 });
    expect(e.rows).toHaveLength(9);
    const s = summarizeExperiment(e, ["keywords", "llm"]);
    expect(s.tiers.find((t) => t.tier === "keywords")).toMatchObject({ answered: 3, precision: 1 });
    expect(s.llmShare).toBeCloseTo(6 / 9, 10);
    // The LLM tier alternates: the examples it answers change between repeats; the keyword one does not.
    expect(s.nondeterminism?.examples.sort()).toEqual(["b", "c"]);
    expect(experimentMetrics(s).nondeterminism).toBeCloseTo(2 / 3, 10);
  });

  it("names, before the run, exactly the metrics the run's report has", async () => {
    for (const repeats of [1, 2]) {
      const e = await runExperiment(chain("1.0.0", "refund"), dataset, { evaluators, repeats });
      const metrics = experimentMetrics(summarizeExperiment(e, ["keywords", "llm"]));
      expect(
        experimentMetricNames(
          evaluators.map((v) => v.key),
          repeats,
        ).sort(),
      ).toEqual(Object.keys(metrics).sort());
    }
  });

  it("stops before the budget would be passed", async () => {
    const e = await runExperiment(chain("1.0.0", "nothing-matches"), dataset, {
      evaluators,
      repeats: 10,
      maxCostUsd: 1e-5,
    });
    expect(e.status).toBe("stopped");
    expect(e.rows.length).toBeLessThan(30);
    const spent = e.rows.reduce((a, r) => a + r.usage.costUsd, 0);
    expect(spent).toBeLessThanOrEqual(1e-5 + spent / e.rows.length);
  });

  it("refuses a maxCostUsd that is not a number > 0 before running any item, as runBatch does", async () => {
    const before = server.chatRequests().length;
    for (const bad of [0, -1, Number.NaN, "1" as unknown as number]) {
      await expect(
        runExperiment(chain("1.0.0", "nothing-matches"), dataset, { evaluators, maxCostUsd: bad }),
      ).rejects.toMatchObject({
        code: "BATCH_INPUT",
        message: expect.stringMatching(
          /^maxCostUsd must be a number of US dollars > 0, got (0|-1|NaN|"1"); leave it out for no budget\.$/,
        ),
        details: { maxCostUsd: bad },
      });
    }
    expect(server.chatRequests().length).toBe(before);
  });

  it("stops before the budget would be passed with items in flight at once, counting those in flight", async () => {
    const one = await runExperiment(chain("1.0.0", "nothing-matches"), dataset, { evaluators });
    const perItem = Math.max(...one.rows.map((r) => r.usage.costUsd));
    expect(perItem).toBeGreaterThan(0);
    const budget = 2.5 * perItem;
    const e = await runExperiment(chain("1.0.0", "nothing-matches"), dataset, {
      evaluators,
      repeats: 10,
      concurrency: 8,
      maxCostUsd: budget,
    });
    expect(e.status).toBe("stopped");
    const spent = e.rows.reduce((a, r) => a + r.usage.costUsd, 0);
    expect(spent).toBeLessThanOrEqual(budget);
    expect(e.rows.length).toBeGreaterThan(0);
  });

  it("compares versions: regressions first, McNemar on right/wrong", async () => {
    const keywordOnly = (version: string, word: string) =>
      defineChain({
        name: "toy-keywords",
        version,
        input,
        output: z.object({ label: z.string() }),
        flow: code("keywords", ({ text }: { text: string }) => ({
          label: text.includes(word) ? "billing" : "other",
        })),
      });
    const before = await runExperiment(keywordOnly("1.0.0", "refund"), dataset, { evaluators });
    const after = await runExperiment(keywordOnly("1.1.0", "invoice"), dataset, { evaluators });
    const c = compareExperiments(before, after);
    expect(c.paired).toBe(3);
    expect(c.changed.map((x) => [x.exampleId, x.change])).toEqual([
      ["a", "regression"],
      ["b", "improvement"],
    ]);
    expect(c.mcnemar).toEqual({ regressions: 1, improvements: 1, pValue: 1 });
    expect(c.deltas.scoreMean).toBe(0);
  });
});

describe("cost of answers from the LLM cache", () => {
  it("prices a cached answer as uncached in a comparison (uncached_cost, uncached_cost_delta), and cost as spent, as in eval", async () => {
    const memory = new Map<string, CachedResponse>();
    const cache = {
      get: async (key: string) => memory.get(key),
      set: async (key: string, value: CachedResponse) => {
        memory.set(key, value);
      },
    };
    // Two versions asking the same model the same thing: the second finds every answer cached.
    const asking = (version: string) =>
      defineChain({
        name: "toy-cached",
        version,
        input,
        output: z.object({ label: z.string() }),
        flow: llm("ask", {
          model: "openai:gpt-4.1-mini-2025-04-14",
          prompt: "{text}",
          labels: ["billing", "other"],
          logprobs: false,
          cache,
          baseURL: server.url,
          apiKey: "t",
        }),
      });
    const before = await runExperiment(asking("1.0.0"), dataset, { evaluators });
    const after = await runExperiment(asking("1.0.1"), dataset, { evaluators });
    const sa = summarizeExperiment(before);
    const sb = summarizeExperiment(after);
    expect(sa.cost.totalUsd).toBeGreaterThan(0);
    expect(sa.cost.cachedUsd).toBe(0);
    expect(sb.cost.totalUsd).toBe(0);
    expect(sb.cost.cachedUsd).toBeCloseTo(sa.cost.totalUsd, 12);
    const c = compareExperiments(before, after);
    expect(c.deltas.uncachedCostUsd).toBeCloseTo(0, 12);
    expect(c.deltas.costUsd).toBeCloseTo(-sa.cost.totalUsd / sa.runs, 12);
    // The gate's names mean in compare what they mean in eval: `cost` spent, `uncached_cost` not.
    const metrics = comparisonMetrics(c);
    expect(metrics.cost).toBe(experimentMetrics(sb).cost);
    expect(metrics.cost).toBe(0);
    expect(metrics.uncached_cost).toBeCloseTo(sa.cost.totalUsd, 12);
    expect(metrics.uncached_cost_delta).toBeCloseTo(0, 12);
    expect(metrics.cost_delta).toBe(c.deltas.costUsd);
  });
});

describe("cost of an LLM judge's answers from the cache", () => {
  it("counts them in the experiment's cachedUsd, as the chain's are", async () => {
    const judging = await startOpenAiTestServer(() => ({ json: { reason: "fine", pass: true } }));
    const memory = new Map<string, CachedResponse>();
    const before = defaultResponseCache();
    // The judge chooses no cache of its own: it uses the default one, as `catena eval` sets it.
    setDefaultResponseCache({
      get: async (key: string) => memory.get(key),
      set: async (key: string, value: CachedResponse) => {
        memory.set(key, value);
      },
    });
    try {
      const judge = llmJudge({
        name: "polite",
        rubric: "The answer is polite.",
        model: "openai:gpt-4.1-mini-2025-04-14",
        baseURL: judging.url,
        apiKey: "t",
      });
      const echo = defineChain({
        name: "toy-echo",
        version: "1.0.0",
        input,
        output: z.object({ label: z.string() }),
        flow: code("echo", ({ text }: { text: string }) => ({ label: text })),
      });
      const first = summarizeExperiment(await runExperiment(echo, dataset, { evaluators: [judge] }));
      const again = summarizeExperiment(await runExperiment(echo, dataset, { evaluators: [judge] }));
      expect(first.cost.judgeUsd).toBeGreaterThan(0);
      expect(first.cost.cachedUsd).toBe(0);
      // The second experiment's judge found every verdict cached: nothing spent, all of it cached.
      expect(again.cost.judgeUsd).toBe(0);
      expect(again.cost.cachedUsd).toBeCloseTo(first.cost.judgeUsd, 12);
      expect(experimentMetrics(again).uncached_cost).toBeCloseTo(first.cost.totalUsd, 12);
      expect(judging.chatRequests()).toHaveLength(dataset.examples.length);
    } finally {
      setDefaultResponseCache(before);
      await judging.close();
    }
  });
});

describe("runExperiment's failed rows", () => {
  it("give the code of what the failing step met (PROVIDER_FAILED, MODEL_REFUSED, MODEL_OUTPUT_INVALID), and the step", async () => {
    const failing = await startOpenAiTestServer((_request, info) => {
      if (info.userText === "bad-key") return { fail: 401, message: "Incorrect API key provided." };
      if (info.userText === "refused") return { refusal: "I can't help with that." };
      if (info.userText === "not-json") return { content: "it is a refund" };
      return { json: { label: "billing" } };
    });
    try {
      const asking = defineChain({
        name: "toy-asking",
        version: "1.0.0",
        input,
        output: z.object({ label: z.string() }),
        flow: llm("ask", {
          model: "openai:gpt-4.1-mini-2025-04-14",
          prompt: "{text}",
          schema: z.object({ label: z.string() }),
          repairs: 0,
          baseURL: failing.url,
          apiKey: "t",
          retry: { attempts: 1 },
        }),
      });
      const texts = ["bad-key", "refused", "not-json", "fine"];
      const e = await runExperiment(
        asking,
        {
          name: "failing",
          contentHash: "failing",
          examples: texts.map((text) => ({ id: text, inputs: { text }, outputs: { label: "billing" } })),
        },
        { evaluators },
      );
      expect(e.rows.map((r) => [r.exampleId, r.error, r.failedStep])).toEqual([
        ["bad-key", "PROVIDER_FAILED", "ask"],
        ["refused", "MODEL_REFUSED", "ask"],
        ["not-json", "MODEL_OUTPUT_INVALID", "ask"],
        ["fine", undefined, undefined],
      ]);
      const c = compareExperiments(e, e);
      expect(c.paired).toBe(4);
    } finally {
      await failing.close();
    }
  });
});

describe("pairwise judge", () => {
  it("prefers the same output whichever position it was shown in", async () => {
    const judge = pairwiseJudge({
      name: "refund_first",
      rubric: "Mentions the refund.",
      model: "openai:gpt-4.1-mini-2025-04-14",
      baseURL: server.url,
      apiKey: "t",
    });
    for (const text of ["one", "two", "three", "four"]) {
      expect((await judge.compare({ text }, { reply: "a refund" }, { reply: "no" })).preferred).toBe("a");
      expect((await judge.compare({ text }, { reply: "no" }, { reply: "a refund" })).preferred).toBe("b");
    }
  });
});
