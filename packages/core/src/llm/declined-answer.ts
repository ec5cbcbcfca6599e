import type { AIMessage } from "@langchain/core/messages";
import type { ProviderFailure } from "./provider-failure.ts";
import type { MeteredResponse } from "./response-meter.ts";
import { contentText } from "./structured-answer.ts";

/** A plain answer the content filter stopped. */
export const CONTENT_FILTERED: ProviderFailure = {
  kind: "content-filter",
  retryable: false,
  message: "the provider's content filter stopped the answer (finish_reason content_filter)",
};

/** An answer with an empty `choices` array. */
export const NO_CHOICES: ProviderFailure = {
  kind: "empty-answer",
  retryable: true,
  message: "the provider answered with no choices (an empty `choices` array)",
};

/**
 * An answer that came but says nothing: the model refused (OpenAI's `refusal`, which LangChain
 * drops), the content filter stopped it, or the provider sent no choice at all. Undefined for an
 * answer to use.
 */
export function declinedAnswer(
  answer: MeteredResponse | undefined,
  message: AIMessage,
): ProviderFailure | undefined {
  if (answer?.refusal !== undefined) {
    const refusal = answer.refusal.length > 300 ? `${answer.refusal.slice(0, 300)}…` : answer.refusal;
    return { kind: "refusal", retryable: false, message: `the model refused: ${JSON.stringify(refusal)}` };
  }
  const finish = answer?.finishReason ?? message.response_metadata?.finish_reason;
  if (finish === "content_filter") return CONTENT_FILTERED;
  if (answer?.choices === 0) return NO_CHOICES;
  return undefined;
}

/**
 * A plain answer (no structured output asked for) with no text and no tool call: nothing a chain
 * can use. Cut off by the token limit before any text (a reasoning model that spent `maxTokens`
 * thinking), asking the same again meets the same limit; otherwise (a provider or proxy that lost
 * the text) the next answer may come whole. Undefined for an answer with text.
 */
export function emptyAnswer(
  answer: MeteredResponse | undefined,
  message: AIMessage,
): ProviderFailure | undefined {
  if ((message.tool_calls?.length ?? 0) > 0 || contentText(message.content).trim() !== "") return undefined;
  const finish = answer?.finishReason ?? message.response_metadata?.finish_reason;
  if (finish === "length") {
    return {
      kind: "empty-answer",
      retryable: false,
      message:
        "the answer was cut off by the token limit before any text (finish_reason length, empty content)",
    };
  }
  return {
    kind: "empty-answer",
    retryable: true,
    message: `the model answered with empty content (finish_reason ${typeof finish === "string" ? finish : "unknown"})`,
  };
}
