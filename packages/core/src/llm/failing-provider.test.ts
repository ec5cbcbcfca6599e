import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ScriptedReply } from "@catena/testing";
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { ChatResult } from "@langchain/core/outputs";
import { ChatOpenAI } from "@langchain/openai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { runBatch } from "../batch/run-batch.ts";
import { CatenaError } from "../errors/catena-error.ts";
import type { AnyFlow } from "../flows/flow-types.ts";
import { retry } from "../flows/retry.ts";
import { run } from "../runtime/runner.ts";
import { llm } from "../steps/llm-step.ts";
import type { Logger } from "../types.ts";
import { testServers, textChain } from "./fixtures/provider-fixture.ts";

// Providers that fail, one way after another: the real ChatOpenAI over HTTP against the local test
// server. Each ends in a typed error naming what went wrong and what to do, is retried only when
// that can help, never hangs, and counts the tokens of what was billed.

const MODEL = "openai:gpt-4.1-mini-2025-04-14";
const ATTEMPTS = 3;

const start = testServers();

/** A chat model whose client throws its own errors (as ollama-js or a hand-written client does). */
class ThrowingModel extends BaseChatModel {
  readonly model = "throwing-2026-01-01";
  readonly #error: () => Error;
  constructor(error: () => Error) {
    super({ maxRetries: 0 });
    this.#error = error;
  }
  _llmType(): string {
    return "throwing";
  }
  async _generate(): Promise<ChatResult> {
    throw this.#error();
  }
}
const chainOf = (node: AnyFlow) => textChain("failing-provider", node);

const stepAt = (url: string, extra: Record<string, unknown> = {}) =>
  llm("ask", {
    model: MODEL,
    prompt: "{text}",
    baseURL: url,
    apiKey: "k",
    // Long enough for a loaded machine: only the hung cases wait it out, with a shorter one.
    callTimeoutMs: 5000,
    retry: { attempts: ATTEMPTS, initialMs: 5 },
    ...extra,
  });

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

  it("is not asked again by a retry() around the step after it refused (each ask is paid for), unless retryOn says so", async () => {
    const s = await start(() => ({ refusal: "No.", usage: { promptTokens: 20, completionTokens: 2 } }));
    const once = await run(chainOf(retry(stepAt(s.url), { attempts: 3, backoff: { initialMs: 1 } })), {
      text: "x",
    });
    expect(once.status === "error" ? once.error.cause : undefined).toMatchObject({ code: "MODEL_REFUSED" });
    expect(s.chatRequests()).toHaveLength(1);
    expect(once.usage).toMatchObject({ inputTokens: 20, outputTokens: 2 });
    // A retry is still the caller's to choose.
    const step = stepAt(s.url);
    const asked = await run(
      chainOf(retry(step, { attempts: 3, backoff: { initialMs: 1 }, retryOn: () => true })),
      { text: "x" },
    );
    expect(asked.status).toBe("error");
    expect(s.chatRequests()).toHaveLength(1 + 3);
  });

  it.each([
    ...[400, 401, 403, 404, 422].map((status) => ({ status, retryable: false, calls: 1 })),
    // The step's own retries, once per attempt of the retry() around it.
    ...[408, 425, 429, 503].map((status) => ({ status, retryable: true, calls: 2 * ATTEMPTS })),
  ])(
    "after a $status, a retry() around the step asks again only when it may pass (retryable: $retryable)",
    async ({ status, retryable, calls }) => {
      const s = await start(() => ({ fail: status }));
      const result = await run(chainOf(retry(stepAt(s.url), { attempts: 2, backoff: { initialMs: 1 } })), {
        text: "x",
      });
      expect(result.status === "error" ? result.error.cause : undefined).toMatchObject({
        code: "PROVIDER_FAILED",
        details: {
          status,
          retryable,
          calls: expect.arrayContaining([expect.objectContaining({ status, retryable })]),
        },
      });
      expect(s.chatRequests()).toHaveLength(calls);
    },
  );

  it.each([
    // No status to read: retrying may help (a throttling error, a busy server's own error class).
    { error: "an error Catena cannot classify", status: undefined, retryable: true, calls: 2 },
    // ollama-js's ResponseError gives its status as status_code.
    { error: "a ResponseError with status_code", status: 503, retryable: true, calls: 2 * ATTEMPTS },
    { error: "a ResponseError with status_code", status: 400, retryable: false, calls: 1 },
  ])(
    "after $error ($status) from a client that is not OpenAI's, a retry() around the step asks again only when it may pass (retryable: $retryable)",
    async ({ status, retryable, calls }) => {
      let asked = 0;
      const model = new ThrowingModel(() => {
        asked++;
        const error = new Error("server busy, please try again.  maximum pending requests exceeded");
        return status === undefined
          ? error
          : Object.assign(error, { name: "ResponseError", status_code: status });
      });
      const step = llm("ask", { model, prompt: "{text}", retry: { attempts: ATTEMPTS, initialMs: 1 } });
      const result = await run(chainOf(retry(step, { attempts: 2, backoff: { initialMs: 1 } })), {
        text: "x",
      });
      expect(result.status === "error" ? result.error.cause : undefined).toMatchObject({
        code: "PROVIDER_FAILED",
        details: {
          retryable,
          calls: expect.arrayContaining([
            expect.objectContaining(status === undefined ? { kind: "unknown" } : { status }),
          ]),
        },
      });
      const message = result.status === "error" ? String((result.error.cause as Error).message) : "";
      // More attempts are suggested only for a failure the step retries.
      expect(/raise `retry\.attempts`/.test(message)).toBe(status === 503);
      if (status === undefined)
        expect(message).toMatch(/the step does not retry an error it cannot classify/);
      expect(asked).toBe(calls);
    },
  );

  it("is asked again by a retry() around the step when a fallback met a client error but the model a transient one", async () => {
    const s = await start((request) => (request.model.includes("mini") ? { fail: 503 } : { fail: 404 }));
    const step = stepAt(s.url, { fallbacks: ["openai:gpt-4.1-nano-2025-04-14"] });
    const result = await run(chainOf(retry(step, { attempts: 2, backoff: { initialMs: 1 } })), {
      text: "x",
    });
    expect(result.status === "error" ? result.error.cause : undefined).toMatchObject({
      details: { status: 404, retryable: true },
    });
    expect(s.chatRequests()).toHaveLength(2 * (ATTEMPTS + 1));
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

describe("a batch against a failing provider", () => {
  it("gives each item's tokens and cost in its result and its checkpoint line, and resumes a file written without them", async () => {
    const dir = await mkdtemp(join(tmpdir(), "catena-item-usage-"));
    try {
      const s = await start((_request, info) =>
        info.userText === "refused"
          ? { refusal: "No.", usage: { promptTokens: 20, completionTokens: 2 } }
          : { content: `answer to ${info.userText}`, usage: { promptTokens: 1000, completionTokens: 500 } },
      );
      const chain = chainOf(stepAt(s.url));
      const checkpoint = join(dir, "results.jsonl");
      const inputs = ["one", "refused", "two"].map((text) => ({ text }));
      const first = await runBatch(chain, inputs, { checkpoint, collect: true });
      // gpt-4.1-mini: $0.40 in, $1.60 out per million tokens.
      const answered = { inputTokens: 1000, outputTokens: 500, costUsd: 0.0004 + 0.0008 };
      const refused = { inputTokens: 20, outputTokens: 2, costUsd: 20 * 0.4e-6 + 2 * 1.6e-6 };
      const byText = (items: Array<{ input?: unknown; usage?: unknown }>) =>
        Object.fromEntries(items.map((r) => [(r.input as { text: string }).text, r.usage]));
      const close = (u: typeof answered) => ({ ...u, costUsd: expect.closeTo(u.costUsd, 12) });
      expect(byText(first.results ?? [])).toEqual({
        one: close(answered),
        refused: close(refused),
        two: close(answered),
      });
      const lines = (await readFile(checkpoint, "utf8")).trim().split("\n");
      const records = lines.slice(1).map((l) => JSON.parse(l) as { input: unknown; usage?: unknown });
      expect(byText(records)).toEqual({
        one: close(answered),
        refused: close(refused),
        two: close(answered),
      });

      // A file written before records carried usage resumes as before; the failed item runs again.
      const old = lines.map((l, i) => (i === 0 ? l : JSON.stringify({ ...JSON.parse(l), usage: undefined })));
      await writeFile(checkpoint, `${old.join("\n")}\n`);
      const again = await runBatch(chain, inputs, {
        checkpoint,
        resume: true,
        retryFailed: true,
        collect: true,
      });
      expect(again).toMatchObject({ done: 0, failed: 1, skipped: 2 });
      expect(again.results?.map((r) => r.usage)).toEqual([close(refused)]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("finishes the other items, records each failed one with its error, and re-runs them once the provider is back", async () => {
    const dir = await mkdtemp(join(tmpdir(), "catena-failing-provider-"));
    try {
      let healthy = false;
      const failures: Record<string, ScriptedReply> = {
        "bad-key": { fail: 401 },
        overloaded: { fail: 503 },
        hung: { hang: true },
        garbled: { malformed: true },
        refused: { refusal: "No." },
        empty: { content: "", noChoices: true },
      };
      const s = await start((_request, info) =>
        !healthy && info.userText in failures
          ? (failures[info.userText] as ScriptedReply)
          : { content: `answer to ${info.userText}`, usage: { promptTokens: 10, completionTokens: 2 } },
      );
      const chain = chainOf(stepAt(s.url, { callTimeoutMs: 1500, retry: { attempts: 2, initialMs: 5 } }));
      const inputs = [...Object.keys(failures), ...Array.from({ length: 10 }, (_, i) => `fine ${i}`)].map(
        (text) => ({ text }),
      );
      const checkpoint = join(dir, "results.jsonl");
      const first = await runBatch(chain, inputs, { checkpoint, concurrency: 4 });
      expect(first).toMatchObject({ status: "done", total: 16, done: 10, failed: 6 });
      // Ten answers of 10 + 2 tokens, the billed refusal ("No." is 2 tokens) and two empty answers (8 in each).
      expect(first.usage).toMatchObject({ inputTokens: 100 + 8 + 16, outputTokens: 20 + 2 });
      const lines = (await readFile(checkpoint, "utf8"))
        .trim()
        .split("\n")
        .slice(1)
        .map(
          (l) =>
            JSON.parse(l) as {
              input: { text: string };
              status: string;
              error?: { cause?: { code: string; details: { calls: Array<{ kind: string }> } } };
            },
        );
      const failed = Object.fromEntries(
        lines.filter((l) => l.status === "error").map((l) => [l.input.text, l.error?.cause]),
      );
      expect(Object.keys(failed).sort()).toEqual(Object.keys(failures).sort());
      expect(failed["bad-key"]?.details.calls.map((c) => c.kind)).toEqual(["client"]);
      expect(failed.overloaded?.details.calls.map((c) => c.kind)).toEqual(["server", "server"]);
      expect(failed.hung?.details.calls.map((c) => c.kind)).toEqual(["timeout", "timeout"]);
      expect(failed.garbled?.details.calls.map((c) => c.kind)).toEqual([
        "malformed-response",
        "malformed-response",
      ]);
      expect(failed.refused?.code).toBe("MODEL_REFUSED");
      expect(failed.empty?.details.calls.map((c) => c.kind)).toEqual(["empty-answer", "empty-answer"]);

      healthy = true;
      const again = await runBatch(chain, inputs, { checkpoint, resume: true, retryFailed: true });
      expect(again).toMatchObject({ done: 6, failed: 0, skipped: 10 });
      expect(again.usage).toMatchObject({ inputTokens: 60, outputTokens: 12 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
