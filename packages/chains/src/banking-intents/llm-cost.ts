/*
 * What one query costs at the LLM tier, at the price table's rates: for the saving `calibrate`
 * reports against an LLM-only chain.
 */
import { modelPrice } from "@catena/core";
import { DEFAULT_BANKING_MODEL } from "./chain.ts";
import { INTENT_PROMPT } from "./intent-prompt.ts";

// About four characters per token for English; a query adds ~20 tokens, the JSON answer ~15.
const CHARS_PER_TOKEN = 4;
const QUERY_TOKENS = 20;
const ANSWER_TOKENS = 15;

/**
 * Estimated US dollars per query sent to the LLM tier (prompt with the 77 intent descriptions,
 * the query, a short structured answer), or undefined when the model has no known price.
 *
 * @example
 * llmCostPerQueryUsd("openai:gpt-4.1-mini-2025-04-14") // ≈ 0.0004
 */
export function llmCostPerQueryUsd(
  model: string = process.env.CATENA_BANKING_MODEL ?? DEFAULT_BANKING_MODEL,
): number | undefined {
  const price = modelPrice(model);
  if (!price) return undefined;
  const input = (INTENT_PROMPT.system.length + INTENT_PROMPT.user.length) / CHARS_PER_TOKEN + QUERY_TOKENS;
  return (input * price.inputPerMillion + ANSWER_TOKENS * price.outputPerMillion) / 1e6;
}
