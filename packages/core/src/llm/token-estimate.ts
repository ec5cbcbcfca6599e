import type { BaseMessage } from "@langchain/core/messages";
import { contentText } from "./structured-answer.ts";

/**
 * The tokens a call is expected to use, for the rate limiter before the answer says: the prompt
 * at about four characters a token, plus the whole `maxTokens` allowance.
 *
 * @example
 * estimateTokens([new HumanMessage("12345678")], 100) // 102
 */
export function estimateTokens(messages: readonly BaseMessage[], maxTokens: number | undefined): number {
  const chars = messages.reduce((n, m) => n + contentText(m.content).length, 0);
  // -1 is "no limit" (@langchain/openai): no allowance is known to add.
  return Math.ceil(chars / 4) + (maxTokens === undefined || maxTokens < 0 ? 0 : maxTokens);
}
