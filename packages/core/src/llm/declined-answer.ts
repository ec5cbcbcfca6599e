import type { AIMessage } from "@langchain/core/messages";
import { plural } from "../format/plural.ts";
import type { ProviderFailure } from "./provider-failure.ts";
import type { MeteredResponse } from "./response-meter.ts";
import { contentText } from "./structured-answer.ts";
import { tokenLimitReason } from "./token-limit.ts";

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
 * Whether a plain answer (no structured output asked for) with no text and no tool call is a
 * failure, and which. Empty is a valid answer ("reply with nothing if there is no PII"): an answer
 * that ended normally (`finish_reason` `stop`, or any reason but the token limit) is used as it
 * came, except in two cases:
 * - the token limit cut it off before any text (`finish_reason` `length`, or another provider's
 *   equivalent, see {@link tokenLimitReason}): a reasoning model that spent `maxTokens` thinking.
 *   Kind `token-limit`: asking the same again meets the same limit, so it is not retried, and the
 *   error says to raise `maxTokens`;
 * - the provider billed output tokens beyond any reasoning tokens but sent no text at all: a
 *   provider or proxy lost the text, and the next answer may come whole: retryable.
 *
 * With `allowEmpty: false` (the llm step's option) every answer with no text is a retryable
 * failure. Undefined for an answer to use.
 */
export function emptyAnswer(
  answer: MeteredResponse | undefined,
  message: AIMessage,
  allowEmpty = true,
): ProviderFailure | undefined {
  const text = contentText(message.content);
  if ((message.tool_calls?.length ?? 0) > 0 || text.trim() !== "") return undefined;
  const cut = tokenLimitReason(answer, message.response_metadata);
  if (cut !== undefined) {
    return {
      kind: "token-limit",
      retryable: false,
      message: `the answer was cut off by the token limit before any text (${cut}, empty content)`,
    };
  }
  const textTokens = textTokensOf(answer, message);
  if (text === "" && textTokens > 0) {
    return {
      kind: "empty-answer",
      retryable: true,
      message: `the provider billed ${plural(textTokens, "output token")} but sent no text`,
    };
  }
  if (allowEmpty) return undefined;
  const finish = answer?.finishReason ?? message.response_metadata?.finish_reason;
  return {
    kind: "empty-answer",
    retryable: true,
    message: `the model answered with empty content (finish_reason ${typeof finish === "string" ? finish : "unknown"}) and the step has \`allowEmpty: false\``,
  };
}

/**
 * Output tokens billed for text: the metered body's (else LangChain's) output tokens less those
 * reported as reasoning, which a reasoning model spends whatever it answers.
 */
function textTokensOf(answer: MeteredResponse | undefined, message: AIMessage): number {
  if (answer?.reported === true) return answer.outputTokens - (answer.reasoningTokens ?? 0);
  // LangChain's generic message types lose the usage fields' types; read them as plain data.
  const usage = message.usage_metadata as
    | { output_tokens?: number; output_token_details?: { reasoning?: number } }
    | undefined;
  return (usage?.output_tokens ?? 0) - (usage?.output_token_details?.reasoning ?? 0);
}
