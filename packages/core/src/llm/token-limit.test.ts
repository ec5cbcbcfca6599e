import { AIMessage, type UsageMetadata } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { emptyAnswer } from "./declined-answer.ts";
import { tokenLimitReason } from "./token-limit.ts";

// The response_metadata each LangChain chat model gives an answer stopped by the token limit.
const cut: Array<[provider: string, metadata: Record<string, unknown>, said: string]> = [
  ["OpenAI chat completions", { finish_reason: "length" }, "finish_reason length"],
  ["Anthropic", { stop_reason: "max_tokens", stop_sequence: null }, "stop_reason max_tokens"],
  ["Bedrock Converse", { stopReason: "max_tokens" }, "stopReason max_tokens"],
  ["Gemini", { finishReason: "MAX_TOKENS" }, "finishReason MAX_TOKENS"],
  ["Ollama", { done_reason: "length" }, "done_reason length"],
  [
    "OpenAI Responses",
    { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } },
    "incomplete_details.reason max_output_tokens",
  ],
];
const ended: Array<[provider: string, metadata: Record<string, unknown>]> = [
  ["OpenAI chat completions", { finish_reason: "stop" }],
  ["Anthropic", { stop_reason: "end_turn" }],
  ["Gemini", { finishReason: "STOP" }],
  ["OpenAI Responses", { status: "completed", incomplete_details: null }],
  ["OpenAI Responses, filtered", { incomplete_details: { reason: "content_filter" } }],
  ["a model that says nothing", {}],
];

describe("tokenLimitReason", () => {
  it.each(cut)("reads %s's token limit", (_provider, metadata, said) => {
    expect(tokenLimitReason(undefined, metadata)).toBe(said);
  });

  it.each(ended)("reads %s's normal end as no token limit", (_provider, metadata) => {
    expect(tokenLimitReason(undefined, metadata)).toBeUndefined();
  });

  it("takes the finish reason of the metered HTTP body first", () => {
    expect(tokenLimitReason({ finishReason: "length" }, { finish_reason: "stop" })).toBe(
      "finish_reason length",
    );
  });
});

describe("emptyAnswer", () => {
  const message = (metadata: Record<string, unknown>, usage?: UsageMetadata) => {
    const m = new AIMessage({ content: "", response_metadata: metadata });
    // LangChain's generic message types lose the usage field's type: set it as plain data.
    return usage === undefined ? m : Object.assign(m, { usage_metadata: usage });
  };

  it.each(cut)("fails an empty answer %s cut off, not retryable", (_provider, metadata, said) => {
    expect(emptyAnswer(undefined, message(metadata))).toMatchObject({
      kind: "token-limit",
      retryable: false,
      message: `the answer was cut off by the token limit before any text (${said}, empty content)`,
    });
  });

  it("uses an empty answer whose output tokens were all reasoning, and retries one with tokens for text", () => {
    const reasoned = { input_tokens: 9, output_tokens: 40, total_tokens: 49 };
    expect(
      emptyAnswer(
        undefined,
        message({ stop_reason: "end_turn" }, { ...reasoned, output_token_details: { reasoning: 40 } }),
      ),
    ).toBeUndefined();
    expect(emptyAnswer(undefined, message({ stop_reason: "end_turn" }, reasoned))).toMatchObject({
      retryable: true,
      message: "the provider billed 40 output tokens but sent no text",
    });
    const metered = { reported: true, inputTokens: 9, outputTokens: 40, reasoningTokens: 40 };
    expect(emptyAnswer({ ...metered, finishReason: "stop" }, message({}))).toBeUndefined();
  });
});
