import { ChatPromptTemplate } from "@langchain/core/prompts";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineChain } from "../compile/define-chain.ts";
import { ChainDefinitionError } from "../errors/errors.ts";
import { assign, cascade, parallel, sequence, subchain } from "../flows/flow-nodes.ts";
import type { AnyFlow, Flow } from "../flows/flow-types.ts";
import { code } from "./code-step.ts";
import { llm } from "./llm-step.ts";

// What an llm step's definition is checked for and what its fingerprint holds, before any call:
// no model answers here (the answers, costs and tracing: llm-step.test.ts).

const MODEL = "openai:gpt-4.1-mini-2025-04-14";
const TEXT_INPUT = z.object({ text: z.string() });

function chainOf(node: AnyFlow, input: z.ZodType = TEXT_INPUT) {
  const flow = node as Flow<unknown, unknown, unknown>;
  return defineChain({ name: "llm-test", version: "1.0.0", input, output: z.unknown(), flow });
}

describe("llm step: prompt variables are checked when the chain is defined", () => {
  it("names a prompt variable that the chain's input lacks", () => {
    const step = llm("answer", { model: MODEL, prompt: "Answer {question} about {topic}" });
    const define = () => chainOf(step, z.object({ question: z.string() }));
    expect(define).toThrow(ChainDefinitionError);
    expect(define).toThrow(/"topic".*has question/);
  });

  it("accepts variables that the chain's input has, or that an assign adds before the step", () => {
    const step = llm("answer", { model: MODEL, prompt: { system: "Use {context}.", user: "{question}" } });
    const retrieve = code("retrieve", () => "some context");
    expect(() =>
      chainOf(sequence(assign("context", retrieve), step), z.object({ question: z.string() })),
    ).not.toThrow();
    expect(() => chainOf(step, z.object({ question: z.string() }))).toThrow(/"context"/);
  });

  it("checks every tier of a leading cascade, and lets a single variable take a string input", () => {
    const tier = llm("gpt", { model: MODEL, prompt: "Label {message}", labels: ["a", "b"] });
    expect(() => chainOf(cascade("intent", [tier]))).toThrow(/"message".*has text/);
    expect(() => chainOf(tier, z.string())).not.toThrow();
  });

  it("checks every node of a leading parallel, and leaves a subchain to its own input schema", () => {
    const step = llm("gpt", { model: MODEL, prompt: "Answer {question}" });
    expect(() => chainOf(parallel({ a: step, b: code("b", (d: unknown) => d) }))).toThrow(
      /"question".*has text/,
    );
    const inner = chainOf(step, z.object({ question: z.string() }));
    expect(() =>
      chainOf(
        sequence(
          code("ask", (d: { text: string }) => ({ question: d.text })),
          subchain(inner),
        ),
      ),
    ).not.toThrow();
  });

  it("checks a ChatPromptTemplate against the step's own input schema", () => {
    const prompt = ChatPromptTemplate.fromMessages([
      ["system", "You write SQL for {dialect}."],
      ["human", "{question}"],
    ]);
    const make = (input: z.ZodType) => llm("sql", { model: MODEL, prompt, input });
    expect(() => make(z.object({ question: z.string() }))).toThrow(/"dialect".*input schema/);
    expect(() => make(z.object({ question: z.string(), dialect: z.string() }))).not.toThrow();
  });

  it("puts the model, prompt text and sampling settings into the chain's fingerprint", () => {
    const base = { model: MODEL, prompt: "Summarise {text}" } as const;
    const fingerprint = (options: Parameters<typeof llm>[1]) => chainOf(llm("s", options)).fingerprint;
    const reference = fingerprint(base);
    expect(fingerprint(base)).toBe(reference);
    for (const changed of [
      { ...base, temperature: 0.2 },
      { ...base, maxTokens: 100 },
      { ...base, seed: 1 },
      { ...base, prompt: "Summarise briefly {text}" },
      { ...base, model: "openai:gpt-4.1-nano-2025-04-14" },
    ]) {
      expect(fingerprint(changed)).not.toBe(reference);
    }
    expect(fingerprint({ ...base, callTimeoutMs: 5, retry: { attempts: 2 } })).toBe(reference);
  });
});
