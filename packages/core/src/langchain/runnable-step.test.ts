import { setTimeout as sleep } from "node:timers/promises";
import { startOpenAiTestServer } from "@catena/testing";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { RunnableLambda } from "@langchain/core/runnables";
import { ChatOpenAI } from "@langchain/openai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineChain } from "../compile/define-chain.ts";
import { cascade, sequence } from "../flows/flow-nodes.ts";
import type { AnyFlow, Flow } from "../flows/flow-types.ts";
import { run } from "../runtime/runner.ts";
import { code } from "../steps/code-step.ts";
import { llm } from "../steps/llm-step.ts";
import { runStepContract } from "../steps/step-contract.case.ts";
import type { Tracer, TraceSpan } from "../types.ts";
import { runnableStep } from "./runnable-step.ts";
import { toRunnable } from "./to-runnable.ts";

const shout = RunnableLambda.from((text: string) => `${text.toUpperCase()}!`);

runStepContract("runnable", {
  create: () => runnableStep("shout", shout, { spec: { style: "loud" } }),
  createChanged: () => runnableStep("shout", shout, { spec: { style: "louder" } }),
  input: "hello",
  labels: false,
});

function chainOf(flow: AnyFlow, input: z.ZodType = z.object({ text: z.string() })) {
  const untyped = flow as Flow<unknown, unknown, unknown>;
  return defineChain({ name: "runnable-test", version: "1.0.0", input, output: z.unknown(), flow: untyped });
}

describe("runnableStep: a LangChain Runnable as a Catena step", () => {
  it("runs an LCEL chain (prompt, real ChatOpenAI, parser) as a step of a chain", async () => {
    const server = await startOpenAiTestServer((_request, info) => ({
      content: `summary of: ${info.userText}`,
    }));
    try {
      const model = new ChatOpenAI({
        model: "gpt-4.1-mini-2025-04-14",
        apiKey: "test",
        maxRetries: 0,
        configuration: { baseURL: server.url },
      });
      const prompt = ChatPromptTemplate.fromMessages([
        ["system", "Summarise in one line."],
        ["human", "{text}"],
      ]);
      const summarise = prompt.pipe(model).pipe(new StringOutputParser());
      const chain = chainOf(
        sequence(
          code("trim", ({ text }: { text: string }) => ({ text: text.trim() })),
          runnableStep("summarise", summarise, { spec: { prompt: "v1" } }),
        ),
      );
      const result = await run(chain, { text: "  the parcel is late  " });
      expect(result.status).toBe("done");
      expect(result.output).toBe("summary of: the parcel is late");
      expect(result.steps.map((s) => `${s.name}:${s.kind}`)).toEqual(["trim:code", "summarise:runnable"]);
    } finally {
      await server.close();
    }
  });

  it("counts the tokens and cost of the model calls inside the runnable, from LangChain's usage metadata", async () => {
    await withBilledModel("short summary", async (model) => {
      const summarise = ChatPromptTemplate.fromTemplate("Summarise: {text}")
        .pipe(model)
        .pipe(new StringOutputParser());
      const result = await run(chainOf(runnableStep("summarise", summarise)), { text: "the parcel is late" });
      expect(result.status).toBe("done");
      // gpt-4.1-mini: $0.40 per million input tokens, $1.60 per million output tokens.
      const costUsd = (30 * 0.4 + 14 * 1.6) / 1_000_000;
      expect(result.usage).toEqual({ inputTokens: 30, outputTokens: 14, costUsd });
      expect(result.steps[0]?.usage).toEqual({ inputTokens: 30, outputTokens: 14, costUsd });
    });
  });

  /** A real ChatOpenAI whose every answer is `content`, billed 30 + 14 tokens, for `use`. */
  async function withBilledModel(
    content: string,
    use: (model: ChatOpenAI, requests: () => number) => Promise<void>,
  ) {
    const server = await startOpenAiTestServer(() => ({
      content,
      usage: { promptTokens: 30, completionTokens: 14 },
    }));
    try {
      const model = new ChatOpenAI({
        model: "gpt-4.1-mini-2025-04-14",
        apiKey: "test",
        maxRetries: 0,
        configuration: { baseURL: server.url },
      });
      await use(model, () => server.chatRequests().length);
    } finally {
      await server.close();
    }
  }

  it("counts the tokens of an answer that a parser after the model rejects, once", async () => {
    await withBilledModel("not json", async (model) => {
      const strict = RunnableLambda.from((text: string) => JSON.parse(text) as unknown);
      const parse = ChatPromptTemplate.fromTemplate("{text}")
        .pipe(model)
        .pipe(new StringOutputParser())
        .pipe(strict);
      const result = await run(chainOf(runnableStep("parse", parse)), { text: "x" });
      expect(result.status).toBe("error");
      expect(result.usage).toMatchObject({ inputTokens: 30, outputTokens: 14 });
    });
  });

  // A documented limit (runnableStep's TSDoc, the README): the OpenAI client throws before
  // LangChain's handleLLMEnd, and handleLLMError carries no usage. This says when that changes.
  it("cannot count the tokens of a structured answer that the OpenAI client itself rejects", async () => {
    await withBilledModel("not json", async (model, requests) => {
      const structured = model.withStructuredOutput(z.object({ label: z.string() }), {
        method: "jsonSchema",
      });
      const label = ChatPromptTemplate.fromTemplate("{text}").pipe(structured);
      const result = await run(chainOf(runnableStep("label", label)), { text: "x" });
      expect(result.status === "error" ? result.error.message : result.status).toMatch(/JSON/);
      expect(requests()).toBe(1);
      expect(result.usage).toMatchObject({ inputTokens: 0, outputTokens: 0 });
    });
  });

  it("counts the usage of a chain made a runnable and used as a step", async () => {
    const server = await startOpenAiTestServer(() => ({
      content: "billing",
      usage: { promptTokens: 30, completionTokens: 14 },
    }));
    try {
      const model = new ChatOpenAI({
        model: "gpt-4.1-mini-2025-04-14",
        apiKey: "test",
        maxRetries: 0,
        configuration: { baseURL: server.url },
      });
      const inner = defineChain({
        name: "inner",
        version: "1.0.0",
        input: z.object({ text: z.string() }),
        output: z.unknown(),
        flow: llm("route", { model, prompt: "Route: {text}" }),
      });
      const outer = chainOf(runnableStep("inner", await toRunnable(inner)));
      const result = await run(outer, { text: "charged twice" });
      expect(result.status).toBe("done");
      expect(result.usage).toMatchObject({ inputTokens: 30, outputTokens: 14 });
      expect(result.usage.costUsd).toBeCloseTo((30 * 0.4 + 14 * 1.6) / 1_000_000, 12);
    } finally {
      await server.close();
    }
  });

  it("answers as a cascade tier when the runnable returns a label and a confidence", async () => {
    const keywords = RunnableLambda.from(({ text }: { text: string }) =>
      /refund/.test(text) ? { label: "billing", confidence: 0.95 } : { label: null, confidence: 0 },
    );
    const chain = chainOf(
      cascade("route", [
        runnableStep("keywords", keywords, { threshold: 0.9 }),
        code("fallback", () => ({ label: "other", confidence: 0.5 })),
      ]),
    );
    expect((await run(chain, { text: "refund please" })).output).toMatchObject({
      label: "billing",
      tier: "keywords",
    });
    expect((await run(chain, { text: "hello" })).output).toMatchObject({ label: "other", tier: "fallback" });
  });

  it("gives the runnable the step's signal, so that a step timeout stops it", async () => {
    let aborted = false;
    const slow = RunnableLambda.from(async (_input: unknown, config) => {
      const signal = (config as { signal?: AbortSignal }).signal;
      try {
        await sleep(5_000, undefined, signal ? { signal } : {});
      } catch (error) {
        aborted = signal?.aborted === true;
        throw error;
      }
      return "late";
    });
    const result = await run(chainOf(runnableStep("slow", slow, { timeoutMs: 30 })), { text: "x" });
    expect(result.status).toBe("error");
    expect(result.status === "error" && result.error.code).toBe("TIMEOUT");
    await sleep(10);
    expect(aborted).toBe(true);
  });

  it("passes the step's LangChain callbacks, so that the runnable's runs nest under the step's span", async () => {
    const seen: Array<{ span: string; run: string | undefined; step: unknown }> = [];
    class Recorder extends BaseCallbackHandler {
      name = "recorder";
      readonly span: string;
      constructor(span: string) {
        super();
        this.span = span;
      }
      // LangChain calls it with (chain, inputs, runId, parentRunId, tags, metadata, runType, runName).
      override handleChainStart(
        _chain: unknown,
        _inputs: unknown,
        _runId: string,
        _parentRunId?: string,
        _tags?: string[],
        metadata?: Record<string, unknown>,
        _runType?: string,
        name?: string,
      ) {
        seen.push({ span: this.span, run: name, step: metadata?.catena_step });
      }
    }
    const span = (name: string): TraceSpan => ({
      active: true,
      child: (info) => span(info.name),
      end: () => {},
      langchainCallbacks: async () => [new Recorder(name)],
    });
    const tracer: Tracer = { startRun: (info) => span(info.name) };
    await run(chainOf(runnableStep("shout", shout), z.string()), "hi", { tracer });
    expect(seen).toEqual([{ span: "shout", run: "shout", step: "shout" }]);
  });

  it("puts the runnable's class and name and the given spec into the chain's fingerprint", () => {
    const fingerprint = (step: AnyFlow) => chainOf(step, z.string()).fingerprint;
    const whisper = RunnableLambda.from((text: string) => text.toLowerCase());
    const reference = fingerprint(runnableStep("s", shout, { spec: { v: 1 } }));
    expect(fingerprint(runnableStep("s", shout, { spec: { v: 1 } }))).toBe(reference);
    expect(fingerprint(runnableStep("s", shout, { spec: { v: 2 } }))).not.toBe(reference);
    expect(
      fingerprint(runnableStep("s", whisper.withConfig({ runName: "whisper" }), { spec: { v: 1 } })),
    ).not.toBe(reference);
    expect(runnableStep("s", shout).spec).toMatchObject({
      runnable: ["langchain_core", "runnables", "RunnableLambda"],
    });
  });

  it("refuses something that is not a runnable, naming the step", () => {
    expect(() => runnableStep("bad", {} as never)).toThrow(
      /runnable step "bad": expected a LangChain Runnable/,
    );
  });
});
