import type { AIMessage } from "@langchain/core/messages";
import type { ProviderFailure } from "./provider-failure.ts";
import type { MeteredResponse } from "./response-meter.ts";

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
