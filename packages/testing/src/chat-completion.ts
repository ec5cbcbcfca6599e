import { messageText } from "./message-text.ts";
import type { ChatAnswer, ChatRequest } from "./server-script.ts";
import { splitTokens } from "./split-tokens.ts";

/** A chat completion answer resolved against its request: what the assistant says, in OpenAI's shapes. */
export interface ResolvedCompletion {
  id: string;
  model: string;
  content: string | null;
  refusal: string | null;
  /** False for an answer with an empty `choices` array. */
  hasChoice: boolean;
  toolCalls: Array<{ id: string; type: "function"; function: { name: string; arguments: string } }>;
  logprobs: { content: TokenLogprob[]; refusal: null } | null;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  finishReason: string;
}

interface TokenLogprob {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: Array<{ token: string; logprob: number; bytes: number[] }>;
}

/**
 * Turns a scripted answer into the completion the server sends: a `json` answer becomes a tool
 * call when the request forces a function, else JSON content; log-probabilities are attached when
 * the request asks for them; usage is counted from the messages unless the script gives it.
 */
export function resolveCompletion(request: ChatRequest, answer: ChatAnswer, id: string): ResolvedCompletion {
  const forced = forcedFunction(request);
  let content: string | null = answer.content ?? null;
  const calls = [...(answer.toolCalls ?? [])];
  if (answer.json !== undefined) {
    if (forced !== undefined) calls.push({ name: forced, arguments: answer.json });
    else content = JSON.stringify(answer.json);
  }
  const toolCalls = calls.map((call, i) => ({
    id: `call_${id}_${i}`,
    type: "function" as const,
    function: {
      name: call.name,
      arguments: typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments),
    },
  }));
  const contentTokens = splitTokens(content ?? "");
  const logprobs =
    request.logprobs === true && content !== null
      ? { content: contentTokens.map((token) => tokenLogprob(token, answer)), refusal: null }
      : null;
  const promptTokens =
    answer.usage?.promptTokens ??
    request.messages.reduce((n, m) => n + 4 + splitTokens(messageText(m.content)).length, 3);
  const completionTokens =
    answer.usage?.completionTokens ??
    contentTokens.length +
      splitTokens(answer.refusal ?? "").length +
      toolCalls.reduce((n, c) => n + splitTokens(c.function.arguments).length, 0);
  return {
    id: `chatcmpl-${id}`,
    model: answer.model ?? request.model,
    content:
      answer.refusal !== undefined || (toolCalls.length > 0 && answer.content === undefined)
        ? null
        : (content ?? ""),
    refusal: answer.refusal ?? null,
    hasChoice: answer.noChoices !== true,
    toolCalls,
    logprobs,
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
    finishReason: answer.finishReason ?? (toolCalls.length > 0 ? "tool_calls" : "stop"),
  };
}

/** The JSON body of a non-streaming `/v1/chat/completions` answer. */
export function completionBody(c: ResolvedCompletion): Record<string, unknown> {
  return {
    id: c.id,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: c.model,
    system_fingerprint: "fp_catena_test",
    choices: c.hasChoice
      ? [
          {
            index: 0,
            message: {
              role: "assistant",
              content: c.content,
              refusal: c.refusal,
              ...(c.toolCalls.length > 0 ? { tool_calls: c.toolCalls } : {}),
            },
            logprobs: c.logprobs,
            finish_reason: c.finishReason,
          },
        ]
      : [],
    usage: c.usage,
  };
}

/** The `data:` payloads of a streaming answer: one chunk per token, the finish, then usage when asked. */
export function completionChunks(c: ResolvedCompletion, includeUsage: boolean): Record<string, unknown>[] {
  const base = {
    id: c.id,
    object: "chat.completion.chunk",
    created: Math.floor(Date.now() / 1000),
    model: c.model,
    system_fingerprint: "fp_catena_test",
  };
  const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: null, ...extra }],
  });
  if (!c.hasChoice) return includeUsage ? [{ ...base, choices: [], usage: c.usage }] : [];
  const chunks: Record<string, unknown>[] = [chunk({ role: "assistant", content: "" })];
  if (c.refusal !== null) chunks.push(chunk({ refusal: c.refusal }));
  const logprobs = c.logprobs?.content ?? [];
  splitTokens(c.content ?? "").forEach((token, i) => {
    const lp = logprobs[i];
    chunks.push(chunk({ content: token }, lp ? { logprobs: { content: [lp], refusal: null } } : {}));
  });
  c.toolCalls.forEach((call, index) => {
    chunks.push(
      chunk({
        tool_calls: [
          { index, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } },
        ],
      }),
    );
    for (const piece of splitTokens(call.function.arguments)) {
      chunks.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
    }
  });
  chunks.push(chunk({}, { finish_reason: c.finishReason }));
  if (includeUsage) chunks.push({ ...base, choices: [], usage: c.usage });
  return chunks;
}

function forcedFunction(request: ChatRequest): string | undefined {
  const choice = request.tool_choice as { type?: string; function?: { name?: string } } | string | undefined;
  if (typeof choice === "object" && choice?.type === "function") return choice.function?.name;
  if ((choice === "required" || choice === "any") && request.tools?.length === 1) {
    return request.tools[0]?.function.name;
  }
  return undefined;
}

function tokenLogprob(token: string, answer: ChatAnswer): TokenLogprob {
  const logprob = answer.tokenLogprobs?.[token.trim()] ?? answer.defaultLogprob ?? 0;
  const bytes = [...Buffer.from(token, "utf8")];
  return { token, logprob, bytes, top_logprobs: [{ token, logprob, bytes }] };
}
