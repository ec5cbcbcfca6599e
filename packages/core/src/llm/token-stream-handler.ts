import type { Callbacks } from "@langchain/core/callbacks/manager";
import type { StepContext } from "../types.ts";
import { loadLangChain } from "./langchain-runtime.ts";

// Model calls made so far for each step context (one per step attempt), numbering the answers
// whose tokens it streams: listeners see `call` go up when an answer starts over.
const callsOf = new WeakMap<StepContext, number>();

/** The step's token listener for its next model call, which passes that call's number along. */
export function tokenSink(ctx: StepContext): ((text: string) => void) | undefined {
  const onToken = ctx.onToken;
  if (onToken === undefined) return undefined;
  const call = (callsOf.get(ctx) ?? 0) + 1;
  callsOf.set(ctx, call);
  return (text) => onToken(text, call);
}

/**
 * Adds a handler that receives the model's tokens. It says it prefers streaming, which makes
 * LangChain's `invoke` stream from the provider and join the chunks into the usual message (content,
 * tool calls, usage, log-probabilities), so the answer is read exactly as an unstreamed one. It is
 * awaited, so every token reaches the listener before the step's answer does.
 */
export async function withTokenHandler(
  callbacks: Callbacks | undefined,
  onToken: (text: string) => void,
): Promise<{ callbacks: Callbacks; logprobs: unknown[] }> {
  const { BaseCallbackHandler } = await loadLangChain();
  const logprobs: unknown[] = [];
  const handler = BaseCallbackHandler.fromMethods({
    handleLLMNewToken(
      token: string,
      _index: unknown,
      _runId: string,
      _parent?: string,
      _tags?: string[],
      fields?: { chunk?: unknown },
    ) {
      const chunk = fields?.chunk as
        | { generationInfo?: { logprobs?: { content?: unknown[] } | null } }
        | undefined;
      const pieces = chunk?.generationInfo?.logprobs?.content;
      if (Array.isArray(pieces)) logprobs.push(...pieces);
      const text = token !== "" ? token : toolArgumentsOf(fields?.chunk);
      if (text !== "") onToken(text);
    },
  });
  Object.assign(handler, { lc_prefer_streaming: true, awaitHandlers: true });
  if (callbacks === undefined) return { callbacks: [handler], logprobs };
  if (Array.isArray(callbacks)) return { callbacks: [...callbacks, handler], logprobs };
  return { callbacks: callbacks.copy([handler]), logprobs };
}

/** The argument text in a streamed chunk of tool calls (function-calling structured output). */
function toolArgumentsOf(chunk: unknown): string {
  const calls = (chunk as { message?: { tool_call_chunks?: Array<{ args?: string }> } } | undefined)?.message
    ?.tool_call_chunks;
  return calls?.map((c) => c.args ?? "").join("") ?? "";
}
