import type { ScriptedReply } from "@catena/testing";
import { ChatOpenAI } from "@langchain/openai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { CatenaError } from "../errors/catena-error.ts";
import { run } from "../runtime/runner.ts";
import { llm } from "../steps/llm-step.ts";
import type { Logger } from "../types.ts";
import { ATTEMPTS, chainOf, stepAt } from "./fixtures/failing-provider-step.ts";
import { testServers } from "./fixtures/provider-fixture.ts";

// Providers that fail, one way after another: the real ChatOpenAI over HTTP against the local test
// server. Each ends in a typed error naming what went wrong and what to do, is retried only when
// that can help, never hangs, and counts the tokens of what was billed.

const start = testServers();

interface Case {
  name: string;
  reply: ScriptedReply;
  /** Ask for structured output, or stream the answer. */
  schema?: boolean;
  /** A shorter call timeout, for a provider that never answers. */
  callTimeoutMs?: number;
  stream?: boolean;
  code: "PROVIDER_FAILED" | "MODEL_REFUSED";
  kind: string;
  /** Calls made: every attempt when retrying can help, one when it cannot. */
  calls: number;
  message: RegExp;
  /** Input tokens counted: the usage of the answers that were billed (the server counts 8 per prompt). */
  inputTokens: number;
}

const cases: Case[] = [
  {
    name: "429 with Retry-After",
    reply: { fail: 429, retryAfterMs: 20, retryAfterSeconds: 1 },
    code: "PROVIDER_FAILED",
    kind: "rate-limit",
    calls: ATTEMPTS,
    message: /last: 429 Rate limit reached.*\. Check the provider's status, raise `retry\.attempts`/,
    inputTokens: 0,
  },
  {
    name: "429 without Retry-After",
    reply: { fail: 429 },
    code: "PROVIDER_FAILED",
    kind: "rate-limit",
    calls: ATTEMPTS,
    message: /last: 429 /,
    inputTokens: 0,
  },
  ...[500, 502, 503].map(
    (status): Case => ({
      name: `${status}`,
      reply: { fail: status },
      code: "PROVIDER_FAILED",
      kind: "server",
      calls: ATTEMPTS,
      message: new RegExp(`last: ${status} Injected error ${status}\\. Check the provider's status`),
      inputTokens: 0,
    }),
  ),
  {
    name: "connection closed before the answer",
    reply: { disconnect: true },
    code: "PROVIDER_FAILED",
    kind: "connection",
    calls: ATTEMPTS,
    message: /last: Connection error\. Check/,
    inputTokens: 0,
  },
  {
    name: "socket closed mid-body",
    reply: { disconnect: "mid-body" },
    code: "PROVIDER_FAILED",
    kind: "connection",
    calls: ATTEMPTS,
    message: /last: the connection closed while the answer was being read \(terminated\)\. Check/,
    inputTokens: 0,
  },
  {
    name: "hung response",
    reply: { hang: true },
    callTimeoutMs: 300,
    code: "PROVIDER_FAILED",
    kind: "timeout",
    calls: ATTEMPTS,
    message: /last: no answer within 300 ms \(the step's `callTimeoutMs`\)\. If the model needs longer/,
    inputTokens: 0,
  },
  {
    name: "malformed JSON body",
    reply: { malformed: true },
    code: "PROVIDER_FAILED",
    kind: "malformed-response",
    calls: ATTEMPTS,
    message: /last: the provider's answer is not valid JSON \(.+\)\. Check/,
    inputTokens: 0,
  },
  {
    name: "empty choices",
    reply: { content: "x", noChoices: true },
    code: "PROVIDER_FAILED",
    kind: "empty-answer",
    calls: ATTEMPTS,
    message: /last: the provider answered with no choices \(an empty `choices` array\)\. Check/,
    inputTokens: 8 * ATTEMPTS,
  },
  {
    name: "empty choices, streamed",
    reply: { content: "x", noChoices: true },
    stream: true,
    code: "PROVIDER_FAILED",
    kind: "empty-answer",
    calls: ATTEMPTS,
    message: /no choices/,
    inputTokens: 8 * ATTEMPTS,
  },
  {
    name: "refusal",
    reply: { refusal: "I can't help with that." },
    code: "MODEL_REFUSED",
    kind: "refusal",
    calls: 1,
    message: /did not answer: the model refused: "I can't help with that\."\. Rephrase the prompt/,
    inputTokens: 8,
  },
  {
    name: "refusal of structured output",
    reply: { refusal: "I can't help with that." },
    schema: true,
    code: "MODEL_REFUSED",
    kind: "refusal",
    calls: 1,
    message: /the model refused/,
    inputTokens: 8,
  },
  {
    name: "content filter",
    reply: { content: "", finishReason: "content_filter" },
    code: "MODEL_REFUSED",
    kind: "content-filter",
    calls: 1,
    message: /did not answer: the provider's content filter stopped the answer/,
    inputTokens: 8,
  },
  {
    name: "content filter on structured output",
    reply: { content: "", finishReason: "content_filter" },
    schema: true,
    code: "MODEL_REFUSED",
    kind: "content-filter",
    calls: 1,
    message: /content filter/,
    inputTokens: 8,
  },
  {
    name: "stream cut off mid-answer",
    reply: { content: "alpha beta gamma delta", cutAfterChunks: 3 },
    stream: true,
    code: "PROVIDER_FAILED",
    kind: "connection",
    calls: ATTEMPTS,
    message: /terminated/,
    inputTokens: 0,
  },
  {
    name: "wrong model name (404)",
    reply: {
      fail: 404,
      message: "The model `gpt-4.1-mini-2025-04-14` does not exist or you do not have access to it.",
    },
    code: "PROVIDER_FAILED",
    kind: "client",
    calls: 1,
    message:
      /last: 404 The model .* does not exist or you do not have access to it\. The provider refused the request itself .*fix the step's model/,
    inputTokens: 0,
  },
  {
    name: "bad key (401)",
    reply: { fail: 401, message: "Incorrect API key provided: k." },
    code: "PROVIDER_FAILED",
    kind: "client",
    calls: 1,
    message:
      /last: 401 Incorrect API key provided: k\. Check the API key the server at \S+ expects \(the `apiKey` option, else OPENAI_API_KEY\)/,
    inputTokens: 0,
  },
];

describe("llm step against a failing provider", () => {
  it.each(cases)("$name: $code ($kind) after $calls call(s)", async (c) => {
    const s = await start(() => c.reply);
    const step = stepAt(s.url, {
      ...(c.schema ? { schema: z.object({ label: z.string() }), repairs: 0 } : {}),
      ...(c.callTimeoutMs === undefined ? {} : { callTimeoutMs: c.callTimeoutMs }),
    });
    const result = await run(chainOf(step), { text: "x" }, c.stream ? { onToken: () => {} } : {});
    expect(result.status).toBe("error");
    if (result.status !== "error") return;
    const cause = result.error.cause;
    expect(CatenaError.isInstance(cause)).toBe(true);
    if (!CatenaError.isInstance(cause)) return;
    expect(cause.code).toBe(c.code);
    expect(cause.message).toMatch(c.message);
    expect(cause.message).not.toMatch(/Troubleshooting URL|\n/);
    const calls = cause.details.calls as Array<{ kind: string; attempt: number }>;
    expect(calls.at(-1)?.kind).toBe(c.kind);
    expect(calls).toHaveLength(c.calls);
    expect(s.chatRequests()).toHaveLength(c.calls);
    expect(result.usage.inputTokens).toBe(c.inputTokens);
    // The batch record of the item carries it whole: code, message, and each call.
    expect(JSON.parse(JSON.stringify(result.error))).toMatchObject({
      code: "STEP_FAILED",
      cause: { code: c.code, details: { step: "ask", calls: expect.any(Array) } },
    });
  });

  it("goes on to the fallback model after a refusal, and answers from it", async () => {
    const s = await start((request) =>
      request.model.includes("mini") ? { refusal: "No." } : { content: `from ${request.model}` },
    );
    const step = stepAt(s.url, { fallbacks: ["openai:gpt-4.1-nano-2025-04-14"] });
    const result = await run(chainOf(step), { text: "x" });
    expect(result).toMatchObject({ status: "done", output: "from gpt-4.1-nano-2025-04-14" });
    expect(s.chatRequests()).toHaveLength(2);
  });

  it("times out a call whose client ignores the abort signal, instead of hanging", async () => {
    const s = await start(() => ({ content: "never asked" }));
    // A model instance whose fetch never settles and never looks at its signal (a proxy agent, a
    // custom fetch): only the step's own race against its timeout can end the call.
    const model = new ChatOpenAI({
      model: "gpt-4.1-mini-2025-04-14",
      apiKey: "k",
      maxRetries: 0,
      configuration: { baseURL: s.url, fetch: () => new Promise<Response>(() => {}) },
    });
    const step = llm("ask", {
      model,
      prompt: "{text}",
      callTimeoutMs: 100,
      retry: { attempts: 2, initialMs: 5 },
    });
    const result = await run(chainOf(step), { text: "x" });
    expect(result.status === "error" ? result.error.cause : undefined).toMatchObject({
      code: "PROVIDER_FAILED",
      details: { calls: [{ kind: "timeout" }, { kind: "timeout" }] },
    });
  });

  it("keeps a plain answer cut off by the token limit, and warns that it is", async () => {
    const s = await start([{ content: "the first half of", finishReason: "length" }]);
    const warnings: string[] = [];
    const logger: Logger = {
      debug: () => {},
      info: () => {},
      warn: (message) => warnings.push(message),
      error: () => {},
    };
    const result = await run(chainOf(stepAt(s.url, { maxTokens: 4 })), { text: "x" }, { logger });
    expect(result).toMatchObject({ status: "done", output: "the first half of" });
    expect(warnings).toEqual([expect.stringMatching(/cut off by the token limit .*raise `maxTokens`/)]);
  });
});
