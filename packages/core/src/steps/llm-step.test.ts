import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ChatScript, type OpenAiTestServer, startOpenAiTestServer } from "@catena/testing";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { ChatOpenAI } from "@langchain/openai";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineChain } from "../compile/define-chain.ts";
import { cascade, sequence } from "../flows/flow-nodes.ts";
import type { AnyFlow, Flow } from "../flows/flow-types.ts";
import { floatingModels } from "../llm/floating-models.ts";
import { DiskResponseCache } from "../llm/response-cache.ts";
import { run } from "../runtime/runner.ts";
import type { SpanInfo, Tracer, TraceSpan } from "../types.ts";
import { code } from "./code-step.ts";
import { llm } from "./llm-step.ts";

const MODEL = "openai:gpt-4.1-mini-2025-04-14";
const TEXT_INPUT = z.object({ text: z.string() });

let server: OpenAiTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(script: ChatScript): Promise<OpenAiTestServer> {
  server = await startOpenAiTestServer(script);
  return server;
}

function chainOf(node: AnyFlow, input: z.ZodType = TEXT_INPUT) {
  const flow = node as Flow<unknown, unknown, unknown>;
  return defineChain({ name: "llm-test", version: "1.0.0", input, output: z.unknown(), flow });
}

const at = (url: string) => ({ baseURL: url, apiKey: "test-key", retry: { initialMs: 5 } });

describe("llm step: answers", () => {
  it("returns the text of a plain answer, filling the prompt from the input", async () => {
    const s = await start((_request, info) => ({ content: `echo: ${info.userText}` }));
    const chain = chainOf(
      llm("echo", { model: MODEL, prompt: { system: "Echo.", user: "Say {text}" }, ...at(s.url) }),
    );
    const result = await run(chain, { text: "hi" });
    expect(result.output).toBe("echo: Say hi");
    expect(s.chatRequests()[0]?.messages.map((m) => m.role)).toEqual(["system", "user"]);
  });

  it("returns structured output validated by the zod schema", async () => {
    const s = await start([{ json: { sql: "SELECT 1", tables: ["t"] } }]);
    const schema = z.object({ sql: z.string(), tables: z.array(z.string()) });
    const chain = chainOf(llm("sql", { model: MODEL, prompt: "{text}", schema, ...at(s.url) }));
    const result = await run(chain, { text: "one" });
    expect(result.output).toEqual({ sql: "SELECT 1", tables: ["t"] });
    expect(s.chatRequests()[0]?.response_format?.type).toBe("json_schema");
  });

  it("gives an invalid answer back to the model with the validation errors, once", async () => {
    const s = await start([{ json: { sql: 42 } }, { json: { sql: "SELECT 1" } }]);
    const chain = chainOf(
      llm("sql", { model: MODEL, prompt: "{text}", schema: z.object({ sql: z.string() }), ...at(s.url) }),
    );
    const result = await run(chain, { text: "one" });
    expect(result.output).toEqual({ sql: "SELECT 1" });
    const repair = s.chatRequests()[1]?.messages ?? [];
    expect(repair.at(-2)).toMatchObject({ role: "assistant", content: '{"sql":42}' });
    expect(String(repair.at(-1)?.content)).toMatch(/sql: Invalid input: expected string/);
  });

  it("fails with MODEL_OUTPUT_INVALID carrying the raw text when the repair fails too", async () => {
    const s = await start([{ content: "not json" }, { json: { sql: 1 } }]);
    const chain = chainOf(
      llm("sql", { model: MODEL, prompt: "{text}", schema: z.object({ sql: z.string() }), ...at(s.url) }),
    );
    const result = await run(chain, { text: "one" });
    expect(result.status).toBe("error");
    const cause =
      result.status === "error"
        ? (result.error.cause as { code: string; details: Record<string, unknown> })
        : undefined;
    expect(cause?.code).toBe("MODEL_OUTPUT_INVALID");
    expect(cause?.details.rawText).toBe('{"sql":1}');
    expect(s.chatRequests()).toHaveLength(2);
  });

  it("reads structured output from tool calls with method functionCalling", async () => {
    const s = await start([{ json: { city: "Oslo" } }]);
    const chain = chainOf(
      llm("city", {
        model: MODEL,
        prompt: "{text}",
        schema: z.object({ city: z.string() }),
        method: "functionCalling",
        ...at(s.url),
      }),
    );
    expect((await run(chain, { text: "capital of Norway" })).output).toEqual({ city: "Oslo" });
    expect(s.chatRequests()[0]?.tool_choice).toMatchObject({ type: "function", function: { name: "city" } });
  });

  it("shows few-shot examples as user/assistant turns after the system prompt", async () => {
    const s = await start([{ json: { label: "refund" } }]);
    const step = llm("intent", {
      model: MODEL,
      prompt: { system: "Label banking messages.", user: "Message: {text}" },
      labels: ["refund", "card"],
      examples: [
        { input: { text: "where is my card" }, output: { label: "card" } },
        { input: "money back", output: { label: "refund" } },
      ],
      ...at(s.url),
    });
    await run(chainOf(step), { text: "I want a refund" });
    const messages = s.chatRequests()[0]?.messages.map((m) => [m.role, m.content]);
    expect(messages).toEqual([
      ["system", "Label banking messages."],
      ["user", "Message: where is my card"],
      ["assistant", '{"label":"card"}'],
      ["user", "Message: money back"],
      ["assistant", '{"label":"refund"}'],
      ["user", "Message: I want a refund"],
    ]);
  });

  it("sends temperature, max tokens and seed to the provider", async () => {
    const s = await start([{ content: "ok" }]);
    const step = llm("p", {
      model: MODEL,
      prompt: "{text}",
      temperature: 0.3,
      maxTokens: 50,
      seed: 11,
      ...at(s.url),
    });
    await run(chainOf(step), { text: "x" });
    const request = s.chatRequests()[0];
    expect(request?.temperature).toBe(0.3);
    expect(request?.max_tokens ?? request?.max_completion_tokens).toBe(50);
    expect(request?.seed).toBe(11);
  });
});

describe("llm step: labels and confidence", () => {
  it("takes a label's confidence from its token log-probabilities", async () => {
    const s = await start([{ json: { label: "refund" }, tokenLogprobs: { refund: Math.log(0.8) } }]);
    const step = llm("intent", { model: MODEL, prompt: "{text}", labels: ["refund", "card"], ...at(s.url) });
    const result = await run(chainOf(step), { text: "money back" });
    expect(result.output).toMatchObject({ label: "refund", confidenceFrom: "logprobs", model: MODEL });
    expect((result.output as { confidence: number }).confidence).toBeCloseTo(0.8);
    expect(s.chatRequests()[0]?.logprobs).toBe(true);
    expect(result.steps[0]?.confidence).toBeCloseTo(0.8);
  });

  it("takes it from the agreement of samples when the provider gives no log-probabilities", async () => {
    const s = await start([
      { json: { label: "refund" } },
      { json: { label: "card" } },
      { json: { label: "refund" } },
    ]);
    const step = llm("intent", {
      model: MODEL,
      prompt: "{text}",
      labels: ["refund", "card"],
      logprobs: false,
      samples: 3,
      temperature: 0.7,
      ...at(s.url),
    });
    const result = await run(chainOf(step), { text: "money back" });
    expect(result.output).toMatchObject({ label: "refund", confidenceFrom: "samples" });
    expect((result.output as { confidence: number }).confidence).toBeCloseTo(2 / 3);
  });

  it("repairs an answer whose label is not one of the labels", async () => {
    const s = await start([{ json: { label: "loan" } }, { json: { label: "card" } }]);
    const step = llm("intent", { model: MODEL, prompt: "{text}", labels: ["refund", "card"], ...at(s.url) });
    expect((await run(chainOf(step), { text: "x" })).output).toMatchObject({ label: "card" });
  });

  it("answers in a cascade when the cheap tier is not confident", async () => {
    const s = await start([{ json: { label: "card" } }]);
    const cheap = code("cheap", () => ({ label: "refund", confidence: 0.3 }));
    const gpt = llm("gpt", { model: MODEL, prompt: "{text}", labels: ["refund", "card"], ...at(s.url) });
    const result = await run(chainOf(cascade("intent", [{ step: cheap, threshold: 0.9 }, gpt])), {
      text: "x",
    });
    expect(result.output).toMatchObject({ label: "card", tier: "gpt", accepted: true });
  });
});

describe("llm step: tokens, cost and cache", () => {
  it("records tokens and cost per step and per run from the price table", async () => {
    const s = await start(() => ({ content: "ok", usage: { promptTokens: 1000, completionTokens: 500 } }));
    const first = llm("first", { model: MODEL, prompt: "{text}", ...at(s.url) });
    const second = llm("second", { model: MODEL, prompt: "again: {text}", ...at(s.url) });
    const result = await run(
      chainOf(
        sequence(
          first,
          code("wrap", (text: string) => ({ text })),
          second,
        ),
      ),
      {
        text: "x",
      },
    );
    // gpt-4.1-mini: $0.40 per million input tokens, $1.60 per million output tokens.
    expect(result.steps[0]?.usage).toEqual({ inputTokens: 1000, outputTokens: 500, costUsd: 0.0012 });
    expect(result.usage.inputTokens).toBe(2000);
    expect(result.usage.costUsd).toBeCloseTo(0.0024, 10);
  });

  it("answers a repeated request from the disk cache, without calling the model or paying, saying what it would cost", async () => {
    const directory = await mkdtemp(join(tmpdir(), "catena-llm-cache-"));
    try {
      const s = await start(() => ({
        json: { label: "refund" },
        tokenLogprobs: { refund: Math.log(0.9) },
        usage: { promptTokens: 10, completionTokens: 5 },
      }));
      const step = llm("intent", {
        model: MODEL,
        prompt: "{text}",
        labels: ["refund", "card"],
        cache: new DiskResponseCache(directory),
        ...at(s.url),
      });
      const chain = chainOf(step);
      const first = await run(chain, { text: "money back" });
      const second = await run(chain, { text: "money back" });
      await run(chain, { text: "other text" });
      expect(second.output).toEqual(first.output);
      expect(s.chatRequests()).toHaveLength(2);
      // Nothing spent; what the answer would cost uncached (10 in, 5 out at gpt-4.1-mini) is said apart.
      expect(first.usage.cachedUsd).toBeUndefined();
      expect(second.usage).toEqual({
        inputTokens: 0,
        outputTokens: 0,
        costUsd: 0,
        cachedUsd: first.usage.costUsd,
      });
      expect(second.usage.cachedUsd).toBeCloseTo(0.000012, 12);
      expect(second.steps[0]?.usage?.cachedUsd).toBe(second.usage.cachedUsd);
      expect((await readdir(directory)).length).toBeGreaterThan(0);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe("llm step: pinned models and tracing", () => {
  it("warns when a chain uses a floating model alias, and lists it for `catena lock --check --strict`", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      const chain = chainOf(
        llm("answer", {
          model: "openai:gpt-4o",
          prompt: "{text}",
          fallbacks: ["openai:gpt-4o-mini-2024-07-18"],
        }),
      );
      await new Promise((resolve) => setImmediate(resolve));
      expect(floatingModels(chain)).toEqual([{ step: "answer", model: "openai:gpt-4o" }]);
      const floating = warnings.filter((w) => (w as { code?: string }).code === "CATENA_FLOATING_MODEL");
      expect(floating).toHaveLength(1);
      expect(floating[0]?.message).toMatch(/"openai:gpt-4o".*Pin a dated snapshot/);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("passes the step span's LangChain callbacks to the model, so LLM runs nest under the step", async () => {
    const s = await start([{ content: "ok" }]);
    const seen: Array<{ span: string; event: string }> = [];
    class Recorder extends BaseCallbackHandler {
      name = "recorder";
      readonly span: string;
      constructor(span: string) {
        super();
        this.span = span;
      }
      override handleChatModelStart(): void {
        seen.push({ span: this.span, event: "chat-model-start" });
      }
    }
    const span = (name: string): TraceSpan => ({
      active: true,
      child: (info: SpanInfo) => span(info.name),
      end: () => undefined,
      langchainCallbacks: async () => [new Recorder(name)],
    });
    const tracer: Tracer = { startRun: (info) => span(info.name) };
    const step = llm("answer", { model: MODEL, prompt: "{text}", ...at(s.url) });
    await run(chainOf(step), { text: "x" }, { tracer });
    expect(seen).toEqual([{ span: "answer", event: "chat-model-start" }]);
  });

  it("warns when a chat model instance would retry on its own, under the step's retries", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      const model = new ChatOpenAI({ model: "gpt-4.1-nano-2025-04-14", apiKey: "k" });
      llm("answer", { model, prompt: "{text}" });
      await new Promise((resolve) => setImmediate(resolve));
      const retrying = warnings.filter((w) => (w as { code?: string }).code === "CATENA_MODEL_RETRIES");
      expect(retrying[0]?.message).toMatch(/maxRetries 6.*`maxRetries: 0`/);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("takes a LangChain chat model instance as the model", async () => {
    const s = await start([{ content: "from instance" }]);
    const model = new ChatOpenAI({
      model: "gpt-4.1-nano-2025-04-14",
      apiKey: "k",
      maxRetries: 0,
      temperature: 0,
      configuration: { baseURL: s.url },
    });
    const chain = chainOf(llm("answer", { model, prompt: "{text}" }));
    expect((await run(chain, { text: "x" })).output).toBe("from instance");
    expect(chain.steps[0]?.spec).toMatchObject({
      model: { id: "openai:gpt-4.1-nano-2025-04-14", params: { temperature: 0 } },
    });
  });
});
