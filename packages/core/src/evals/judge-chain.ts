import { z } from "zod";
import type { AnyChain } from "../compile/chain.ts";
import { defineChain } from "../compile/define-chain.ts";
import type { ChatModelInput } from "../llm/chat-model-resolver.ts";
import { llm } from "../steps/llm-step.ts";

/**
 * The one-step chain a judge asks its model through: the prompt's variables as string inputs, an
 * `llm` step with the verdict as structured output at temperature 0. Being a chain, a judge shares
 * the llm step's cache, retries, rate limits and cost accounting.
 */
export function judgeChain(
  name: string,
  variables: readonly string[],
  verdict: z.ZodType,
  prompt: string,
  options: { model: ChatModelInput; apiKey?: string; baseURL?: string },
): AnyChain {
  return defineChain({
    name: chainSafe(name),
    version: "1.0.0",
    input: z.object(Object.fromEntries(variables.map((v) => [v, z.string()]))),
    output: verdict,
    flow: llm("verdict", {
      model: options.model,
      prompt,
      schema: verdict,
      temperature: 0,
      ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
      ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
    }),
  });
}

/** A judge name as a chain name: lowercase, `_` and other characters as `-`. */
export function chainSafe(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "") || "judge"
  );
}
