import { describe, expect, it } from "vitest";
import { CatenaError } from "../errors/catena-error.ts";
import { ChainDefinitionError } from "../errors/errors.ts";
import { openAiEmbedder } from "../langchain/openai-embedder.ts";
import { run } from "../runtime/runner.ts";
import { llm } from "../steps/llm-step.ts";
import { MODEL } from "./fixtures/fault-matrix.ts";
import { testServers, textChain } from "./fixtures/provider-fixture.ts";
import { MAX_TIMER_MS } from "./max-timer-ms.ts";
import { DEFAULT_RETRY_POLICY, retryDelay } from "./retry-policy.ts";

// A numeric option of an llm step that cannot work (a call timeout of 0 aborts every call at once,
// NaN never waits, 0 attempts never asks) is refused when the step is defined, not at the first
// item of a batch.

const start = testServers();

const refused: Array<[option: string, options: Record<string, unknown>, said: RegExp]> = [
  [
    "callTimeoutMs",
    { callTimeoutMs: 0 },
    /`callTimeoutMs` must be a whole number of milliseconds from 1 to 2147483647, got 0; e\.g\. callTimeoutMs: 30_000/,
  ],
  ["callTimeoutMs", { callTimeoutMs: -5 }, /got -5/],
  ["callTimeoutMs", { callTimeoutMs: Number.NaN }, /got NaN/],
  ["callTimeoutMs", { callTimeoutMs: 1.5 }, /got 1\.5/],
  ["callTimeoutMs", { callTimeoutMs: 2 ** 31 }, /got 2147483648/],
  ["callTimeoutMs", { callTimeoutMs: "5000" }, /got "5000" \(a string\)/],
  ["timeoutMs", { timeoutMs: 0 }, /`timeoutMs` must be a whole number of milliseconds/],
  ["maxTokens", { maxTokens: 0 }, /`maxTokens` must be a whole number >= 1, or -1 for no limit, got 0/],
  ["maxTokens", { maxTokens: -2 }, /got -2/],
  ["repairs", { repairs: -1 }, /`repairs` must be a whole number >= 0/],
  ["samples", { samples: 2.5 }, /`samples` must be a whole number >= 1/],
  ["temperature", { temperature: Number.NaN }, /`temperature` must be a finite number >= 0/],
  [
    "retry.attempts",
    { retry: { attempts: 0 } },
    /`retry\.attempts` must be a whole number >= 1, got 0; e\.g\. retry\.attempts: 3, or 1 for no retry/,
  ],
  [
    "retry.initialMs",
    { retry: { initialMs: -1 } },
    /`retry\.initialMs` must be a whole number of milliseconds from 0/,
  ],
  ["retry.factor", { retry: { factor: 0.5 } }, /`retry\.factor` must be a finite number >= 1/],
  ["retry.maxMs", { retry: { maxMs: Number.NaN } }, /or Infinity for no bound, got NaN/],
  ["retry.maxMs", { retry: { maxMs: -1 } }, /got -1/],
  ["retry.maxRetryAfterMs", { retry: { maxRetryAfterMs: Number.NaN } }, /got NaN/],
  ["retry.jitter", { retry: { jitter: "yes" } }, /`retry\.jitter` must be true or false/],
  [
    "rateLimit.requestsPerMinute",
    { rateLimit: { requestsPerMinute: 0 } },
    /`rateLimit\.requestsPerMinute` must be a finite number > 0/,
  ],
  ["rateLimit.tokensPerMinute", { rateLimit: { tokensPerMinute: Number.POSITIVE_INFINITY } }, /got Infinity/],
];

describe("an llm step's numeric options", () => {
  it.each(refused)("refuses a wrong %s when the step is defined: %o", (option, options, said) => {
    const define = () => llm("ask", { model: MODEL, prompt: "{text}", ...options });
    expect(define).toThrow(ChainDefinitionError);
    expect(define).toThrow(new RegExp(`^llm step "ask": .*${said.source}`));
    try {
      define();
    } catch (error) {
      expect(CatenaError.isInstance(error) && error.code).toBe("CHAIN_DEFINITION");
      expect(error).toMatchObject({ details: { step: "ask", option } });
      // NaN and Infinity are said as words: the details stay JSON.
      const given = option
        .split(".")
        .reduce<unknown>((o, key) => (o as Record<string, unknown> | undefined)?.[key], options);
      const words = typeof given === "number" && !Number.isFinite(given) ? String(given) : given;
      expect(JSON.parse(JSON.stringify(error)).details.value).toEqual(words);
    }
  });

  it("takes the values at the edges of their ranges, and the step answers with them", async () => {
    const s = await start([{ fail: 503 }, { content: "ok" }]);
    const step = llm("ask", {
      model: MODEL,
      prompt: "{text}",
      baseURL: s.url,
      apiKey: "k",
      cache: false,
      callTimeoutMs: 5000,
      // -1 is "no limit" to @langchain/openai, which then sends no max_tokens.
      maxTokens: -1,
      repairs: 0,
      temperature: 0,
      seed: -1,
      retry: { attempts: 2, initialMs: 0, maxMs: 0, factor: 1, maxRetryAfterMs: 0, jitter: false },
      rateLimit: { requestsPerMinute: 6000, burstSeconds: 0.01 },
    });
    const result = await run(textChain("edges", step), { text: "x" });
    expect(result).toMatchObject({ status: "done", output: "ok" });
    expect(s.chatRequests()).toHaveLength(2);
  });

  it("takes Infinity as no bound on the retry waits, and -1 as no token limit", () => {
    expect(() =>
      llm("ask", {
        model: MODEL,
        prompt: "{text}",
        maxTokens: -1,
        retry: { maxMs: Number.POSITIVE_INFINITY, maxRetryAfterMs: Number.POSITIVE_INFINITY },
      }),
    ).not.toThrow();
    const unbounded = { ...DEFAULT_RETRY_POLICY, maxMs: Number.POSITIVE_INFINITY, jitter: false };
    // A timer fires a longer delay at once: the wait stops at the longest a timer takes.
    expect(retryDelay({ ...unbounded, initialMs: 1000, factor: 10 }, 20)).toBe(MAX_TIMER_MS);
    expect(retryDelay({ ...unbounded, maxRetryAfterMs: Number.POSITIVE_INFINITY }, 1, 1e15, () => 0)).toBe(
      MAX_TIMER_MS,
    );
  });

  it("refuses an embedder's call timeout and retry policy the same way", () => {
    expect(() => openAiEmbedder({ model: "text-embedding-3-small", callTimeoutMs: 0 })).toThrow(
      /^openAiEmbedder: `callTimeoutMs` must be a whole number of milliseconds from 1 to 2147483647, got 0/,
    );
    expect(() => openAiEmbedder({ model: "text-embedding-3-small", retry: { attempts: 0 } })).toThrow(
      ChainDefinitionError,
    );
  });
});
