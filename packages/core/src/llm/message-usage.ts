import type { AIMessage } from "@langchain/core/messages";

/**
 * The tokens a message says its answer used (LangChain's `usage_metadata`), zeros when it does
 * not say: the usage of an answer whose HTTP body Catena did not meter (a model given as an
 * instance), and of an answer kept in the response cache.
 *
 * @example
 * messageUsage(answer) // { inputTokens: 12, outputTokens: 3 }
 */
export function messageUsage(message: AIMessage): { inputTokens: number; outputTokens: number } {
  // LangChain's generic message types lose the usage fields' types; read them as plain data.
  const usage = message.usage_metadata as { input_tokens?: number; output_tokens?: number } | undefined;
  return { inputTokens: usage?.input_tokens ?? 0, outputTokens: usage?.output_tokens ?? 0 };
}
