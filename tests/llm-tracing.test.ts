/*
 * What a trace looks like in what the studio received: Catena's LangSmith tracer sends to a studio
 * started here, llm steps call the real ChatOpenAI against the local OpenAI-compatible test server,
 * and the runs are read back with the real langsmith SDK.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cascade, defineChain, llm, regex, run } from "@catena/core";
import { langsmithTracer } from "@catena/core/tracing";
import { startStudio } from "@catena/studio";
import { type ChatScript, type OpenAiTestServer, startOpenAiTestServer } from "@catena/testing";
import { Client } from "langsmith/client";
import type { Run } from "langsmith/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { traceRuns } from "./support/studio-runs.ts";

let dir: string;
let studio: Awaited<ReturnType<typeof startStudio>>;
const providers: OpenAiTestServer[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "catena-llm-tracing-"));
  studio = await startStudio({ port: 0, dbPath: join(dir, "studio.db") });
});

afterAll(async () => {
  for (const p of providers) await p.close();
  await studio?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function provider(script: ChatScript): Promise<OpenAiTestServer> {
  const server = await startOpenAiTestServer(script);
  providers.push(server);
  return server;
}

const LABELS = ["refund", "card"] as const;

function labelChain(url: string, name: string, extra: { repairs?: number; labels?: readonly string[] } = {}) {
  return defineChain({
    name,
    version: "1.0.0",
    input: z.object({ text: z.string() }),
    output: z.object({ label: z.string() }).loose(),
    flow: llm("intent", {
      model: "openai:gpt-4.1-mini-2025-04-14",
      prompt: { system: "Label the message.", user: "{text}" },
      labels: extra.labels ?? LABELS,
      baseURL: url,
      apiKey: "test",
      ...(extra.repairs === undefined ? {} : { repairs: extra.repairs }),
    }),
  });
}

/** Every run of a trace as the studio stored it, root first. */
async function runsOf(traceId: string, project: string): Promise<Run[]> {
  return traceRuns(new Client({ apiUrl: studio.url, apiKey: "test" }), project, traceId);
}

async function traced(
  chain: Parameters<typeof run>[0],
  input: unknown,
  project: string,
  options: { langchainRuns?: boolean } = {},
) {
  const tracer = langsmithTracer({ apiUrl: studio.url, apiKey: "test", project, ...options });
  const result = await run(chain, input as never, { tracer });
  await tracer.flush();
  tracer.close();
  return { result, runs: await runsOf(result.runId, project) };
}

/** The cost the studio stored for a run (LangSmith's `total_cost`, which the SDK's Run type leaves out). */
const costOf = (r: Run | undefined): number =>
  Number((r as { total_cost?: unknown } | undefined)?.total_cost);

const metadata = (r: Run | undefined) =>
  (r?.extra as { metadata?: Record<string, unknown> } | undefined)?.metadata ?? {};

describe("an llm step in a trace", () => {
  it("is one run of type llm with the conversation, the answer, usage and the model", async () => {
    const p = await provider(() => ({
      json: { label: "refund" },
      tokenLogprobs: { refund: Math.log(0.9) },
      usage: { promptTokens: 20, completionTokens: 5 },
    }));
    const { result, runs } = await traced(labelChain(p.url, "one-run"), { text: "money back" }, "llm-one");
    expect(result.status).toBe("done");
    const steps = runs.filter((r) => r.parent_run_id === result.runId);
    expect(runs).toHaveLength(2);
    expect(steps).toHaveLength(1);
    const step = steps[0] as Run;
    expect(step.run_type).toBe("llm");
    expect(step.inputs.messages).toEqual([
      { role: "system", content: "Label the message." },
      { role: "user", content: "money back" },
    ]);
    const outputs = step.outputs as Record<string, unknown>;
    expect(outputs.answer).toMatchObject({ label: "refund", confidenceFrom: "logprobs" });
    expect(outputs.choices).toEqual([
      expect.objectContaining({ index: 0, message: expect.objectContaining({ role: "assistant" }) }),
    ]);
    // gpt-4.1-mini: $0.40 in, $1.60 out per million tokens. The costs are LangSmith's usage_metadata
    // fields, so the studio's page and LangSmith show what `catena traces` and the run's usage say.
    expect(outputs.usage_metadata).toEqual({
      input_tokens: 20,
      output_tokens: 5,
      total_tokens: 25,
      input_cost: 8e-6,
      output_cost: 8e-6,
      total_cost: 1.6e-5,
    });
    expect(costOf(step)).toBeCloseTo(result.usage.costUsd, 12);
    expect(metadata(step)).toMatchObject({
      ls_provider: "openai",
      ls_model_name: "gpt-4.1-mini-2025-04-14",
      ls_model_type: "chat",
      kind: "llm",
      status: "done",
    });
    expect(step.prompt_tokens).toBe(20);
  });

  it("shows a repaired answer as a second attempt, once", async () => {
    const p = await provider([{ json: { label: "nonsense" } }, { json: { label: "card" } }]);
    const { result, runs } = await traced(labelChain(p.url, "repaired"), { text: "my card" }, "llm-repair");
    expect(result).toMatchObject({ status: "done", output: { label: "card" } });
    const below = runs.filter((r) => r.id !== result.runId);
    expect(below).toHaveLength(2);
    const [step, attempt] = below as [Run, Run];
    expect(step.name).toBe("intent");
    expect(attempt).toMatchObject({ name: "intent (attempt 1)", run_type: "llm", parent_run_id: step.id });
    expect(attempt.error).toMatch(/MODEL_OUTPUT_INVALID|must be one of/);
    expect(step.error ?? undefined).toBeUndefined();
    // The step's run is the call that answered: the repair request is its last message.
    const messages = step.inputs.messages as Array<{ role: string; content: string }>;
    expect(messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
  });

  it("shows a retried call as a second attempt, once", async () => {
    const p = await provider([{ fail: 500 }, { json: { label: "refund" } }]);
    const { result, runs } = await traced(labelChain(p.url, "retried"), { text: "x" }, "llm-retry");
    expect(result.status).toBe("done");
    const below = runs.filter((r) => r.id !== result.runId);
    expect(below.map((r) => r.name)).toEqual(["intent", "intent (attempt 1)"]);
    expect(below[1]?.error).toMatch(/500/);
  });

  it("shows the tokens of a billed attempt that failed on its own run", async () => {
    // The first answer is not JSON: the OpenAI client rejects it, but the provider billed it.
    const p = await provider([
      { content: "it is a refund", usage: { promptTokens: 30, completionTokens: 4 } },
      { json: { label: "refund" }, usage: { promptTokens: 40, completionTokens: 3 } },
    ]);
    const { result, runs } = await traced(labelChain(p.url, "billed-attempt"), { text: "x" }, "llm-billed");
    expect(result).toMatchObject({ status: "done", usage: { inputTokens: 70, outputTokens: 7 } });
    const attempt = runs.find((r) => r.name === "intent (attempt 1)");
    expect(attempt?.error).toMatch(/not valid JSON/);
    expect(attempt?.prompt_tokens).toBe(30);
    expect(attempt?.completion_tokens).toBe(4);
    // The step's run is the call that answered: each call's tokens are on one run only.
    const step = runs.find((r) => r.name === "intent");
    expect(step?.prompt_tokens).toBe(40);
    // So are their costs: the two add up to what the run's usage counts.
    expect(costOf(attempt)).toBeCloseTo((30 * 0.4 + 4 * 1.6) / 1e6, 12);
    expect(costOf(attempt) + costOf(step)).toBeCloseTo(result.usage.costUsd, 12);
  });

  it("ends a failed attempt when it failed, not when its retry started after the wait", async () => {
    const p = await provider([{ fail: 429, retryAfterSeconds: 1 }, { json: { label: "refund" } }]);
    const { result, runs } = await traced(labelChain(p.url, "waited"), { text: "x" }, "llm-wait");
    expect(result.status).toBe("done");
    const attempt = runs.find((r) => r.name === "intent (attempt 1)");
    const retriedAt = performance.timeOrigin + (p.requests[1]?.receivedAt ?? 0);
    // Retry-After: 1 puts at least a second between the 429 and the retry; none of it is the call's.
    expect(retriedAt - Date.parse(attempt?.end_time as string)).toBeGreaterThanOrEqual(500);
  });

  it("keeps LangChain's internal runs only when asked", async () => {
    const p = await provider(() => ({ json: { label: "refund" } }));
    const { result, runs } = await traced(labelChain(p.url, "internals"), { text: "x" }, "llm-internals", {
      langchainRuns: true,
    });
    const step = runs.find((r) => r.parent_run_id === result.runId);
    const below = runs.filter((r) => r.id !== result.runId && r.id !== step?.id);
    expect(below.map((r) => `${r.name}:${r.run_type}`)).toContain("ChatOpenAI:llm");
  });

  it("states a long error once, on the run that failed; its ancestors carry a line", async () => {
    const many = Array.from({ length: 77 }, (_, i) => `label_number_${i}`);
    const p = await provider(() => ({ json: { label: "nothing-like-it" } }));
    const chain = labelChain(p.url, "failing", { repairs: 0, labels: many });
    const { result, runs } = await traced(chain, { text: "x" }, "llm-error");
    expect(result.status).toBe("error");
    const root = runs.find((r) => r.id === result.runId) as Run;
    const step = runs.find((r) => r.parent_run_id === result.runId) as Run;
    expect(step.error).toContain("label_number_0");
    expect(step.error).toContain("characters left out");
    expect((step.error ?? "").length).toBeLessThan(2000);
    expect(root.error).toBeTruthy();
    expect((root.error ?? "").length).toBeLessThanOrEqual(200);
    expect(root.error).not.toContain("label_number_5");
  });

  it("says deferred on a cascade that deferred", async () => {
    const p = await provider(() => ({ json: { label: "refund" }, tokenLogprobs: { refund: Math.log(0.3) } }));
    const chain = defineChain({
      name: "deferring",
      version: "1.0.0",
      input: z.object({ text: z.string() }),
      output: z.object({ label: z.string() }).loose(),
      flow: cascade(
        "route",
        [
          {
            step: llm("intent", {
              model: "openai:gpt-4.1-mini-2025-04-14",
              prompt: { system: "Label.", user: "{text}" },
              labels: LABELS,
              baseURL: p.url,
              apiKey: "test",
            }),
            threshold: 0.912345,
          },
        ],
        { onExhausted: "deferred" },
      ),
    });
    const { result, runs } = await traced(chain, { text: "x" }, "llm-defer");
    expect(result.status).toBe("deferred");
    const cascadeRun = runs.find((r) => r.name === "route");
    expect(metadata(cascadeRun).status).toBe("deferred");
    const step = runs.find((r) => r.name === "intent");
    expect(metadata(step)).toMatchObject({ threshold: 0.912, confidence: 0.3 });
  });
});

describe("the studio's runs page (GET /catena/runs) on a traced cascade", () => {
  it("shows the confidence the answering tier had and the cost of the trace, as the run result says", async () => {
    const p = await provider(() => ({
      json: { label: "card" },
      tokenLogprobs: { card: Math.log(0.8) },
      usage: { promptTokens: 100, completionTokens: 10 },
    }));
    const chain = defineChain({
      name: "page-columns",
      version: "1.0.0",
      input: z.object({ text: z.string() }),
      output: z.object({ label: z.string(), confidence: z.number(), tier: z.string() }).loose(),
      flow: cascade("route", [
        regex("rules", { rules: [{ label: "refund", pattern: /refund/i, confidence: 0.97 }] }),
        {
          step: llm("intent", {
            model: "openai:gpt-4.1-mini-2025-04-14",
            prompt: { system: "Label.", user: "{text}" },
            labels: LABELS,
            baseURL: p.url,
            apiKey: "test",
          }),
          threshold: 0.5,
        },
      ]),
    });
    const cheap = await traced(chain, { text: "a refund please" }, "llm-page");
    const llmAnswered = await traced(chain, { text: "my card" }, "llm-page");
    expect(cheap.result.output).toMatchObject({ tier: "rules", confidence: 0.97 });
    expect(llmAnswered.result.output).toMatchObject({ tier: "intent", confidence: 0.8 });
    const project = await new Client({ apiUrl: studio.url, apiKey: "test" }).readProject({
      projectName: "llm-page",
    });
    const page = (await (await fetch(`${studio.url}/catena/runs?project=${project.id}`)).json()) as {
      runs: { id: string; tier: string | null; confidence: number | null; total_cost: number | null }[];
    };
    const row = (id: string) => page.runs.find((r) => r.id === id);
    expect(row(cheap.result.runId)).toMatchObject({ tier: "rules", confidence: 0.97, total_cost: null });
    expect(row(llmAnswered.result.runId)).toMatchObject({ tier: "intent", confidence: 0.8 });
    expect(row(llmAnswered.result.runId)?.total_cost).toBeCloseTo(llmAnswered.result.usage.costUsd, 12);
  });
});
