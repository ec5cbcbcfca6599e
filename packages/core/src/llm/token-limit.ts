import type { AIMessage } from "@langchain/core/messages";
import { loadLangChain } from "./langchain-runtime.ts";
import type { ProviderFailure } from "./provider-failure.ts";
import type { MeteredResponse } from "./response-meter.ts";
import { contentText } from "./structured-answer.ts";

/**
 * Where each provider says an answer stopped at the token limit, as LangChain puts it in the
 * message's `response_metadata`: OpenAI chat completions (and Ollama) `finish_reason: "length"`,
 * Anthropic and Bedrock `stop_reason: "max_tokens"`, Gemini `finishReason: "MAX_TOKENS"`, the OpenAI
 * Responses API `incomplete_details.reason: "max_output_tokens"`.
 */
const TOKEN_LIMIT: ReadonlyArray<readonly [field: string, reason: string]> = [
  ["finish_reason", "length"],
  ["done_reason", "length"],
  ["stop_reason", "max_tokens"],
  ["stopReason", "max_tokens"],
  ["finishReason", "MAX_TOKENS"],
  ["finish_reason", "MAX_TOKENS"],
];

/**
 * How the provider said the answer stopped at the token limit (`"finish_reason length"`,
 * `"stop_reason max_tokens"`, …), read from the HTTP body Catena metered or else from the message's
 * `response_metadata`; undefined for an answer that ended otherwise, or did not say.
 *
 * @example
 * tokenLimitReason(undefined, { stop_reason: "max_tokens" }) // "stop_reason max_tokens"
 * tokenLimitReason(undefined, { finish_reason: "stop" }) // undefined
 */
export function tokenLimitReason(
  answer: Pick<MeteredResponse, "finishReason"> | undefined,
  metadata: Readonly<Record<string, unknown>> | undefined,
): string | undefined {
  if (answer?.finishReason === "length") return "finish_reason length";
  if (metadata === undefined) return undefined;
  for (const [field, reason] of TOKEN_LIMIT) {
    if (metadata[field] === reason) return `${field} ${reason}`;
  }
  const incomplete = metadata.incomplete_details as { reason?: unknown } | null | undefined;
  if (incomplete?.reason === "max_output_tokens") return "incomplete_details.reason max_output_tokens";
  return undefined;
}

/**
 * A structured answer (function calling, json mode or json schema) that the token limit stopped,
 * as a failure of kind `token-limit`: the token limit said by the HTTP body Catena metered, by the
 * message's `response_metadata`, or by the OpenAI client's own `LengthFinishReasonError` (json
 * schema answers it parses itself). Its JSON is incomplete, and asking the same again meets the
 * same limit: not retried, not repaired, and the error says to raise `maxTokens`. Undefined for an
 * answer that was not cut, and for one the limit stopped right after its JSON was complete (see
 * {@link completeJsonAnswer}): that answer is whole, and is used.
 *
 * @example
 * structuredCutOff({ finishReason: "length" }, undefined)
 * // { kind: "token-limit", retryable: false, message: "the structured answer was cut off by the token limit before it was complete (finish_reason length)" }
 */
export function structuredCutOff(
  answer: Pick<MeteredResponse, "finishReason"> | undefined,
  metadata: Readonly<Record<string, unknown>> | undefined,
  thrown?: unknown,
  message?: JsonAnswerMessage,
): ProviderFailure | undefined {
  const cut =
    tokenLimitReason(answer, metadata) ??
    (thrown instanceof Error && thrown.constructor.name === "LengthFinishReasonError"
      ? "finish_reason length"
      : undefined);
  if (cut === undefined) return undefined;
  if (message !== undefined && completeJsonAnswer(message)) return undefined;
  return {
    kind: "token-limit",
    retryable: false,
    message: `the structured answer was cut off by the token limit before it was complete (${cut})`,
  };
}

/** The parts of a model message a structured answer's JSON is read from. */
export interface JsonAnswerMessage {
  content: unknown;
  additional_kwargs?: Readonly<Record<string, unknown>>;
}

/**
 * Whether a structured answer's JSON is complete as sent: the raw text of its first tool call's
 * arguments (function calling) or its content (json mode, json schema) parses, strictly, to an
 * object or an array. A JSON object or array is never a strict prefix of a longer JSON text, so
 * one that parses is whole even when the token limit stopped the answer right after it. The raw
 * text is read, not LangChain's `tool_calls`: a streamed answer's are parsed leniently, closing
 * what the limit cut. A bare number or word is not judged whole ("12" may be "123" cut).
 */
export function completeJsonAnswer(message: JsonAnswerMessage): boolean {
  const calls = message.additional_kwargs?.tool_calls;
  const raw = Array.isArray(calls)
    ? (calls[0] as { function?: { arguments?: unknown } } | undefined)?.function?.arguments
    : contentText(message.content);
  if (typeof raw !== "string") return false;
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === "object" && value !== null;
  } catch {
    return false;
  }
}

/**
 * A structured answer the OpenAI client refused as stopped by the token limit (its
 * `LengthFinishReasonError`, before LangChain sees the answer) whose body, as Catena metered it,
 * holds complete JSON: a message of that content, as LangChain would have made it, to be used as
 * the same answer asked for in json mode is. Undefined for any other error or an incomplete body.
 */
export async function wholeCutAnswer(
  answer: Pick<MeteredResponse, "content" | "finishReason"> | undefined,
  thrown: unknown,
): Promise<AIMessage | undefined> {
  if (answer?.content === undefined) return undefined;
  if (!(thrown instanceof Error && thrown.constructor.name === "LengthFinishReasonError")) return undefined;
  if (!completeJsonAnswer({ content: answer.content })) return undefined;
  const { AIMessage } = await loadLangChain();
  return new AIMessage({
    content: answer.content,
    response_metadata: { finish_reason: answer.finishReason ?? "length" },
  });
}
