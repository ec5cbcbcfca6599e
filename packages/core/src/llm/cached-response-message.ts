import type { AIMessage } from "@langchain/core/messages";
import { loadLangChain } from "./langchain-runtime.ts";
import { messageUsage } from "./message-usage.ts";
import type { CachedResponse } from "./response-cache.ts";

/**
 * The message a cached answer stands for, as the model caller returns a fresh one: its content,
 * tool calls and log-probabilities (what a step reads).
 *
 * @example
 * const message = await cachedResponseMessage(await cache.get(key));
 */
export async function cachedResponseMessage(cached: CachedResponse): Promise<AIMessage> {
  const { AIMessage } = await loadLangChain();
  return new AIMessage({
    content: cached.content as string,
    tool_calls: cached.toolCalls.map((c) => ({ ...c, type: "tool_call" as const })),
    response_metadata: cached.logprobs === undefined ? {} : { logprobs: cached.logprobs },
  });
}

/**
 * A model's answer as the response cache keeps it: what {@link cachedResponseMessage} rebuilds,
 * the model that answered, and its usage (what the answer would cost uncached).
 */
export function toCachedResponse(message: AIMessage, model: string): CachedResponse {
  const out: CachedResponse = {
    model,
    content: message.content,
    toolCalls: (message.tool_calls ?? []).map((c) => ({
      name: c.name,
      args: c.args,
      ...(c.id === undefined ? {} : { id: c.id }),
    })),
  };
  const logprobs = message.response_metadata?.logprobs;
  if (logprobs !== undefined) out.logprobs = logprobs;
  if (message.usage_metadata) out.usage = messageUsage(message);
  return out;
}
