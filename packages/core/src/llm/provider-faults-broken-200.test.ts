import { describe, it } from "vitest";
import { ATTEMPTS, expectFault, type FaultCase, label } from "./fixtures/fault-matrix.ts";
import { testServers } from "./fixtures/provider-fixture.ts";

// The provider fault matrix, broken 200s: an answer that came with status 200 but cannot be used
// (not JSON, cut off, no choices, text lost, the token limit, a refusal, structured output that
// does not parse or match) (see fixtures/fault-matrix.ts; empty answers that are fine:
// provider-faults-empty.test.ts).

const start = testServers();

const cases: FaultCase[] = [
  {
    name: "200 whose body is not JSON",
    reply: () => ({ malformed: true }),
    code: "PROVIDER_FAILED",
    kind: "malformed-response",
    requests: ATTEMPTS,
    retryable: true,
    message: /last: the provider's answer is not valid JSON/,
  },
  {
    name: "200 whose body is cut off (connection reset mid-body)",
    reply: () => ({ disconnect: "mid-body" }),
    code: "PROVIDER_FAILED",
    kind: "connection",
    requests: ATTEMPTS,
    retryable: true,
    message: /last: the connection closed while the answer was being read/,
  },
  {
    name: "200 with no choices",
    reply: () => ({ content: "x", noChoices: true }),
    code: "PROVIDER_FAILED",
    kind: "empty-answer",
    requests: ATTEMPTS,
    retryable: true,
    message: /no choices/,
  },
  {
    name: "200 with empty content the provider billed tokens for (text lost on the way)",
    reply: () => ({ content: "", usage: { completionTokens: 12 } }),
    code: "PROVIDER_FAILED",
    kind: "empty-answer",
    requests: ATTEMPTS,
    retryable: true,
    message: /last: the provider billed 12 output tokens but sent no text\. Check the provider's status/,
  },
  {
    name: 'finish_reason "length" before any text',
    reply: () => ({ content: "", finishReason: "length" }),
    code: "PROVIDER_FAILED",
    kind: "token-limit",
    requests: 1,
    retryable: false,
    message: /cut off by the token limit before any text .*Raise the step's `maxTokens`/,
  },
  // A structured answer the token limit cut is incomplete JSON whichever way it was asked for; the
  // same request meets the same limit: not retried, not repaired (repairs: 2), raise maxTokens.
  ...(
    [
      ["json schema (the default)", {}, { content: '{"label": "ref', finishReason: "length" }],
      ["json mode", { method: "jsonMode" }, { content: '{"label": "ref', finishReason: "length" }],
      [
        "function calling",
        { method: "functionCalling" },
        { toolCalls: [{ name: "ask_answer", arguments: '{"label": "ref' }], finishReason: "length" },
      ],
    ] as const
  ).map(
    ([how, options, reply]): FaultCase => ({
      name: `finish_reason "length" in structured output, ${how}`,
      reply: () => reply,
      step: { schema: label, repairs: 2, ...options },
      code: "PROVIDER_FAILED",
      kind: "token-limit",
      requests: 1,
      retryable: false,
      message:
        /last: the structured answer was cut off by the token limit before it was complete \(finish_reason length\)\. Raise the step's `maxTokens`/,
    }),
  ),
  {
    name: 'finish_reason "content_filter"',
    reply: () => ({ content: "", finishReason: "content_filter" }),
    code: "MODEL_REFUSED",
    kind: "content-filter",
    requests: 1,
    retryable: false,
    message: /did not answer: the provider's content filter stopped the answer/,
  },
  {
    name: "a refusal",
    reply: () => ({ refusal: "I can't help with that." }),
    step: { schema: label },
    code: "MODEL_REFUSED",
    kind: "refusal",
    requests: 1,
    retryable: false,
    message: /gpt-4\.1-mini-2025-04-14 did not answer: the model refused: "I can't help with that\."/,
  },
  {
    name: "structured output that is not JSON",
    reply: () => ({ content: "it is a refund" }),
    step: { schema: label, repairs: 0 },
    code: "MODEL_OUTPUT_INVALID",
    requests: 1,
    message:
      /the answer of openai:gpt-4\.1-mini-2025-04-14 does not match the output schema: the answer was not valid JSON/,
  },
  {
    name: "structured output that does not match the schema",
    reply: () => ({ json: { labels: ["refund"] } }),
    step: { schema: label, repairs: 0 },
    code: "MODEL_OUTPUT_INVALID",
    requests: 1,
    message: /does not match the output schema: label: /,
  },
  {
    name: "a tool call whose arguments do not parse",
    reply: () => ({ toolCalls: [{ name: "ask_answer", arguments: '{"label": ' }] }),
    step: { schema: label, repairs: 0, method: "functionCalling" },
    code: "MODEL_OUTPUT_INVALID",
    requests: 1,
    message: /does not match the output schema: the answer is not valid JSON/,
  },
  {
    name: "a tool call that does not match the schema",
    reply: () => ({ json: { label: 7 } }),
    step: { schema: label, repairs: 0, method: "functionCalling" },
    code: "MODEL_OUTPUT_INVALID",
    requests: 1,
    message: /does not match the output schema: label: /,
  },
];

describe("the provider fault matrix: an llm step meeting a broken 200", () => {
  it.each(cases)("$name: $code after $requests request(s)", (c) => expectFault(start, c));
});
