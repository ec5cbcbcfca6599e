import type { ProviderFailure } from "./provider-failure.ts";
import type { MeteredResponse } from "./response-meter.ts";

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
 * as a failure: the token limit said by the HTTP body Catena metered, by the message's
 * `response_metadata`, or by the OpenAI client's own `LengthFinishReasonError` (json schema
 * answers it parses itself). Its JSON is incomplete, and asking the same again meets the same
 * limit: not retried, not repaired, and the error says to raise `maxTokens`, as for a plain answer
 * the limit cut off before any text (the same kind). Undefined for an answer that was not cut.
 *
 * @example
 * structuredCutOff({ finishReason: "length" }, undefined)
 * // { kind: "empty-answer", retryable: false, message: "the structured answer was cut off by the token limit before it was complete (finish_reason length)" }
 */
export function structuredCutOff(
  answer: Pick<MeteredResponse, "finishReason"> | undefined,
  metadata: Readonly<Record<string, unknown>> | undefined,
  thrown?: unknown,
): ProviderFailure | undefined {
  const cut =
    tokenLimitReason(answer, metadata) ??
    (thrown instanceof Error && thrown.constructor.name === "LengthFinishReasonError"
      ? "finish_reason length"
      : undefined);
  if (cut === undefined) return undefined;
  return {
    kind: "empty-answer",
    retryable: false,
    message: `the structured answer was cut off by the token limit before it was complete (${cut})`,
  };
}
