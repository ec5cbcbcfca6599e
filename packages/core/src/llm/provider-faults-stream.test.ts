import { describe, it } from "vitest";
import { ATTEMPTS, expectFault, type FaultCase } from "./fixtures/fault-matrix.ts";
import { testServers } from "./fixtures/provider-fixture.ts";

// The provider fault matrix, streamed answers: a stream cut or stalled mid-answer, an error event,
// text lost, the token limit before any text (see fixtures/fault-matrix.ts).

const start = testServers();

const cases: FaultCase[] = [
  {
    name: "200 with empty content the provider billed tokens for, streamed",
    reply: () => ({ content: "", usage: { completionTokens: 12 } }),
    stream: true,
    code: "PROVIDER_FAILED",
    kind: "empty-answer",
    requests: ATTEMPTS,
    retryable: true,
    message: /billed 12 output tokens but sent no text/,
  },
  {
    name: 'finish_reason "length" before any text, streamed',
    reply: () => ({ content: "", finishReason: "length" }),
    stream: true,
    code: "PROVIDER_FAILED",
    kind: "token-limit",
    requests: 1,
    retryable: false,
    message:
      /cut off by the token limit before any text \(finish_reason length, empty content\)\. Raise the step's `maxTokens`/,
  },
  {
    name: "a stream cut mid-answer",
    reply: () => ({ content: "alpha beta gamma delta", cutAfterChunks: 3 }),
    stream: true,
    code: "PROVIDER_FAILED",
    kind: "connection",
    requests: ATTEMPTS,
    retryable: true,
    message: /terminated/,
  },
  {
    name: "a stream that stalls mid-answer",
    reply: () => ({ content: "alpha beta gamma delta", stallAfterChunks: 2 }),
    step: { callTimeoutMs: 200 },
    stream: true,
    code: "PROVIDER_FAILED",
    kind: "timeout",
    requests: ATTEMPTS,
    retryable: true,
    message:
      /last: no answer within 200 ms \(the step's `callTimeoutMs`\)\. If the model needs longer .*raise the timeout named above/,
  },
  {
    name: "an SSE error event (server_error)",
    reply: () => ({ content: "alpha beta gamma", streamError: { afterChunks: 2 } }),
    stream: true,
    code: "PROVIDER_FAILED",
    kind: "server",
    requests: ATTEMPTS,
    retryable: true,
    message:
      /last: The server had an error while processing your request \(an error event in the streamed answer, type server_error\)\. Check the provider's status/,
  },
  {
    name: "an SSE error event (rate_limit_exceeded)",
    reply: () => ({
      content: "alpha",
      streamError: { afterChunks: 0, type: "rate_limit_exceeded", message: "Rate limit reached." },
    }),
    stream: true,
    code: "PROVIDER_FAILED",
    kind: "rate-limit",
    requests: ATTEMPTS,
    retryable: true,
    message: /type rate_limit_exceeded/,
  },
  {
    name: "an SSE error event (invalid_request_error)",
    reply: () => ({
      content: "alpha",
      streamError: { afterChunks: 1, type: "invalid_request_error", message: "Invalid 'messages'." },
    }),
    stream: true,
    code: "PROVIDER_FAILED",
    kind: "client",
    requests: 1,
    retryable: false,
    message: /type invalid_request_error\)\. The provider refused the request itself/,
  },
];

describe("the provider fault matrix: an llm step meeting a broken stream", () => {
  it.each(cases)("$name: $code after $requests request(s)", (c) => expectFault(start, c));
});
