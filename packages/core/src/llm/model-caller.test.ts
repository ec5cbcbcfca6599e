import type { ChatScript, OpenAiTestServer } from "@catena/testing";
import { describe, expect, it } from "vitest";
import { runBatch } from "../batch/run-batch.ts";
import { cascade, retry } from "../flows/flow-nodes.ts";
import type { AnyFlow } from "../flows/flow-types.ts";
import { run } from "../runtime/runner.ts";
import { llm } from "../steps/llm-step.ts";
import { regex } from "../steps/regex-step.ts";
import { testServers, textChain } from "./fixtures/provider-fixture.ts";

// Provider handling of llm steps, end to end: the real ChatOpenAI against the local test server.

const MODEL = "openai:gpt-4.1-mini-2025-04-14";
const FALLBACK = "openai:gpt-4.1-nano-2025-04-14";

const start = testServers();
const chainOf = (node: AnyFlow) => textChain("provider-test", node);

const gaps = (s: OpenAiTestServer): number[] =>
  s.requests.slice(1).map((r, i) => r.receivedAt - (s.requests[i]?.receivedAt ?? 0));

function causeOf(result: Awaited<ReturnType<typeof run>>): {
  code?: string;
  details?: Record<string, unknown>;
} {
  return result.status === "error"
    ? (result.error.cause as { code?: string; details?: Record<string, unknown> })
    : {};
}

describe("llm step provider handling: retries", () => {
  it("waits the Retry-After a 429 asks for before trying again", async () => {
    const s = await start([{ fail: 429, retryAfterSeconds: 1 }, { content: "ok" }]);
    const chain = chainOf(llm("a", { model: MODEL, prompt: "{text}", baseURL: s.url, apiKey: "k" }));
    const result = await run(chain, { text: "x" });
    expect(result.output).toBe("ok");
    expect(gaps(s)[0]).toBeGreaterThanOrEqual(995);
    expect(gaps(s)[0]).toBeLessThan(2500);
  });

  it("backs off exponentially, with jitter, on 500s, dropped connections and malformed answers", async () => {
    const s = await start([{ fail: 500 }, { disconnect: true }, { malformed: true }, { content: "ok" }]);
    const step = llm("a", {
      model: MODEL,
      prompt: "{text}",
      baseURL: s.url,
      apiKey: "k",
      retry: { initialMs: 80, factor: 2 },
    });
    const result = await run(chainOf(step), { text: "x" });
    expect(result.output).toBe("ok");
    const [first, second, third] = gaps(s);
    // Delays are drawn from [d/2, d] with d = 80, 160, 320 ms.
    expect(first).toBeGreaterThanOrEqual(38);
    expect(first).toBeLessThan(400);
    expect(second).toBeGreaterThanOrEqual(78);
    expect(third).toBeGreaterThanOrEqual(158);
  });

  it("times out a call that never answers, and retries it", async () => {
    const s = await start([{ hang: true }, { content: "ok" }]);
    const step = llm("a", {
      model: MODEL,
      prompt: "{text}",
      baseURL: s.url,
      apiKey: "k",
      callTimeoutMs: 200,
      retry: { initialMs: 5 },
    });
    const t0 = performance.now();
    const result = await run(chainOf(step), { text: "x" });
    expect(result.output).toBe("ok");
    expect(performance.now() - t0).toBeGreaterThanOrEqual(195);
    expect(s.requests).toHaveLength(2);
  });

  it("stops retrying when the step's own timeout passes", async () => {
    const s = await start(() => ({ hang: true }));
    const step = llm("a", {
      model: MODEL,
      prompt: "{text}",
      baseURL: s.url,
      apiKey: "k",
      callTimeoutMs: 100,
      timeoutMs: 350,
      retry: { initialMs: 5 },
    });
    const result = await run(chainOf(step), { text: "x" });
    expect(result.status).toBe("error");
    expect(result.status === "error" ? result.error.code : "").toBe("TIMEOUT");
    expect(s.requests.length).toBeGreaterThanOrEqual(2);
    expect(s.requests.length).toBeLessThanOrEqual(4);
  });
});

describe("llm step provider handling: streams cut off mid-answer", () => {
  it("retries a streamed answer whose connection dropped after some tokens, under a new call number", async () => {
    const s = await start([
      { content: "alpha beta gamma delta", cutAfterChunks: 3 },
      { content: "alpha beta gamma delta", usage: { promptTokens: 7, completionTokens: 4 } },
    ]);
    const step = llm("a", {
      model: MODEL,
      prompt: "{text}",
      baseURL: s.url,
      apiKey: "k",
      retry: { initialMs: 5 },
    });
    const tokens: Array<{ text: string; call: number }> = [];
    const result = await run(
      chainOf(step),
      { text: "x" },
      { onToken: (t) => tokens.push({ text: t.text, call: t.call }) },
    );
    expect(result).toMatchObject({ status: "done", output: "alpha beta gamma delta" });
    expect(s.requests.map((r) => r.path)).toEqual(["/v1/chat/completions", "/v1/chat/completions"]);
    // The first call's pieces came, then the answer started over: a display drops call 1's text.
    const byCall = (call: number) =>
      tokens
        .filter((t) => t.call === call)
        .map((t) => t.text)
        .join("");
    expect(byCall(1)).not.toBe("");
    expect(byCall(2)).toBe("alpha beta gamma delta");
    // Only the answer that arrived is counted: the cut one reported no usage.
    expect(result.usage).toMatchObject({ inputTokens: 7, outputTokens: 4 });
  });

  it("fails with PROVIDER_FAILED, not a half answer, when every stream is cut", async () => {
    const s = await start(() => ({ content: "alpha beta gamma delta", cutAfterChunks: 2 }));
    const step = llm("a", {
      model: MODEL,
      prompt: "{text}",
      baseURL: s.url,
      apiKey: "k",
      retry: { attempts: 2, initialMs: 5 },
    });
    const result = await run(chainOf(step), { text: "x" }, { onToken: () => {} });
    expect(result.status).toBe("error");
    expect(causeOf(result)).toMatchObject({
      code: "PROVIDER_FAILED",
      details: { calls: [expect.objectContaining({ kind: "connection" }), expect.anything()] },
    });
  });
});

describe("llm step provider handling: fallbacks and failures", () => {
  it("tries the fallback model once the model's retries are used up", async () => {
    const s = await start((request) =>
      request.model.includes("mini") ? { fail: 503 } : { content: `from ${request.model}` },
    );
    const step = llm("a", {
      model: MODEL,
      fallbacks: [FALLBACK],
      prompt: "{text}",
      baseURL: s.url,
      apiKey: "k",
      retry: { attempts: 3, initialMs: 5 },
    });
    const result = await run(chainOf(step), { text: "x" });
    expect(result.output).toBe("from gpt-4.1-nano-2025-04-14");
    expect(s.chatRequests().map((r) => r.model)).toEqual([
      "gpt-4.1-mini-2025-04-14",
      "gpt-4.1-mini-2025-04-14",
      "gpt-4.1-mini-2025-04-14",
      "gpt-4.1-nano-2025-04-14",
    ]);
  });

  it("moves on at once when the error cannot be fixed by retrying (401), or Retry-After is too long", async () => {
    const s = await start([{ fail: 401 }, { fail: 429, retryAfterSeconds: 120 }, { content: "third model" }]);
    const step = llm("a", {
      model: MODEL,
      fallbacks: [FALLBACK, "openai:gpt-4o-mini-2024-07-18"],
      prompt: "{text}",
      baseURL: s.url,
      apiKey: "k",
    });
    const result = await run(chainOf(step), { text: "x" });
    expect(result.output).toBe("third model");
    // One call per model: neither the 401 nor the too-long Retry-After was retried.
    expect(s.chatRequests().map((r) => r.model)).toEqual([
      "gpt-4.1-mini-2025-04-14",
      "gpt-4.1-nano-2025-04-14",
      "gpt-4o-mini-2024-07-18",
    ]);
  });

  it("says what to do by how the provider failed: the key, the request, or the rate limit", async () => {
    const cases: Array<[ChatScript, RegExp]> = [
      [
        [{ fail: 401, message: "Incorrect API key provided." }],
        /last: 401 Incorrect API key provided\. Check the API key the server at \S+ expects \(the `apiKey` option, else OPENAI_API_KEY\)/,
      ],
      [
        [{ fail: 400, message: "maximum context length is 128000 tokens." }],
        /context length is 128000 tokens\. The provider refused the request itself .*retrying does not help/,
      ],
      [
        [{ fail: 429, retryAfterSeconds: 3600 }],
        /asked to wait 3600 s, longer than `retry\.maxRetryAfterMs` \(60 s\)/,
      ],
    ];
    for (const [script, hint] of cases) {
      const s = await start(script);
      const step = llm("a", { model: MODEL, prompt: "{text}", baseURL: s.url, apiKey: "k" });
      const cause = causeOf(await run(chainOf(step), { text: "x" })) as { code?: string; message?: string };
      expect(cause.code).toBe("PROVIDER_FAILED");
      expect(cause.message).toMatch(hint);
      expect(cause.message).not.toMatch(/raise `retry\.attempts`|\s\.\s|Troubleshooting URL/);
    }
  });

  it("stops a retry() around the step when the provider asks to wait longer than maxRetryAfterMs, with the wait in the details", async () => {
    const s = await start(() => ({ fail: 429, retryAfterSeconds: 120 }));
    const step = llm("a", {
      model: MODEL,
      prompt: "{text}",
      baseURL: s.url,
      apiKey: "k",
      retry: { maxRetryAfterMs: 1000 },
    });
    const result = await run(chainOf(retry(step, { attempts: 3, backoff: { initialMs: 1 } })), { text: "x" });
    const cause = causeOf(result) as { code?: string; message?: string; details?: Record<string, unknown> };
    expect(cause.code).toBe("PROVIDER_FAILED");
    expect(cause.message).toMatch(/asked to wait 120 s, longer than `retry\.maxRetryAfterMs` \(1 s\)/);
    expect(cause.details).toMatchObject({
      retryable: false,
      refusedWaitMs: 120_000,
      maxWaitMs: 1000,
      status: 429,
    });
    // One call: neither the step nor the retry() around it asked again before the provider's wait.
    expect(s.chatRequests()).toHaveLength(1);
    expect(result.steps).toHaveLength(1);
  });

  it("keeps the failure retryable when the refused wait was the fallback's but the first model failed in a way that passes", async () => {
    const outcome = async (first: { fail: number }) => {
      const s = await start((request) =>
        request.model.includes("mini") ? first : { fail: 429, retryAfterMs: 500 },
      );
      const step = llm("a", {
        model: MODEL,
        fallbacks: [FALLBACK],
        prompt: "{text}",
        baseURL: s.url,
        apiKey: "k",
        retry: { attempts: 2, initialMs: 1, maxRetryAfterMs: 100 },
      });
      const result = await run(chainOf(retry(step, { attempts: 2, backoff: { initialMs: 1 } })), {
        text: "x",
      });
      const cause = causeOf(result) as { message?: string; details?: Record<string, unknown> };
      return { cause, models: s.chatRequests().map((r) => r.model) };
    };
    // A 500 from the model, then the fallback asks for a wait too long: a later try may pass.
    const passing = await outcome({ fail: 500 });
    expect(passing.cause.details).toMatchObject({ retryable: true, refusedWaitMs: 500, maxWaitMs: 100 });
    // So the retry() around the step tried both models again.
    expect(passing.models).toEqual([
      "gpt-4.1-mini-2025-04-14",
      "gpt-4.1-mini-2025-04-14",
      "gpt-4.1-nano-2025-04-14",
      "gpt-4.1-mini-2025-04-14",
      "gpt-4.1-mini-2025-04-14",
      "gpt-4.1-nano-2025-04-14",
    ]);
    // A wait under a second is said in milliseconds, not as "0 s".
    expect(passing.cause.message).toMatch(
      /asked to wait 500 ms, longer than `retry\.maxRetryAfterMs` \(100 ms\)/,
    );
    // A 404 from the model (the same request fails again) and the refused wait: nothing to retry.
    const failing = await outcome({ fail: 404 });
    expect(failing.cause.details).toMatchObject({ retryable: false, refusedWaitMs: 500 });
    expect(failing.models).toEqual(["gpt-4.1-mini-2025-04-14", "gpt-4.1-nano-2025-04-14"]);
  });

  it("fails with PROVIDER_FAILED listing every failed call when all models fail", async () => {
    const s = await start(() => ({ fail: 500 }));
    const step = llm("a", {
      model: MODEL,
      fallbacks: [FALLBACK],
      prompt: "{text}",
      baseURL: s.url,
      apiKey: "k",
      retry: { attempts: 2, initialMs: 5 },
    });
    const result = await run(chainOf(step), { text: "x" });
    const cause = causeOf(result);
    expect(cause.code).toBe("PROVIDER_FAILED");
    // The provider's message ends in a period of its own: one sentence end, not two.
    expect((cause as { message?: string }).message).toMatch(
      /; last: 500 Injected error 500\. Check the provider/,
    );
    expect(cause.details?.calls).toEqual([
      expect.objectContaining({ model: MODEL, attempt: 1, status: 500, kind: "server" }),
      expect.objectContaining({ model: MODEL, attempt: 2, status: 500 }),
      expect.objectContaining({ model: FALLBACK, attempt: 1 }),
      expect.objectContaining({ model: FALLBACK, attempt: 2 }),
    ]);
  });
});

describe("llm step provider handling: rate limits and batches", () => {
  it("holds a batch under the provider's limit, where without the limiter it meets a storm of 429s", async () => {
    const limit = { requestsPerMinute: 1200 };
    const answer = () => ({ content: "ok", usage: { promptTokens: 100, completionTokens: 10 } });
    const limited = await start({ chat: answer, rateLimit: limit });
    const unlimited = await start({ chat: answer, rateLimit: limit });
    const batch = async (s: OpenAiTestServer, rateLimit?: typeof limit) => {
      const step = llm("a", {
        model: MODEL,
        prompt: "{text}",
        baseURL: s.url,
        apiKey: "k",
        ...(rateLimit ? { rateLimit } : {}),
      });
      const inputs = Array.from({ length: 50 }, (_, i) => ({ text: `item ${i}` }));
      const t0 = performance.now();
      const summary = await runBatch(chainOf(step), inputs, { concurrency: 16 });
      return { summary, ms: performance.now() - t0 };
    };
    const paced = await batch(limited, limit);
    expect(paced.summary.done).toBe(50);
    expect(limited.requests.filter((r) => r.status === 429)).toHaveLength(0);
    // 20 requests per second, after half a second's worth at once: (50 - 10) / 20 s at least.
    expect(paced.ms).toBeGreaterThanOrEqual(1900);
    // gpt-4.1-mini: 50 × (100 × $0.40 + 10 × $1.60) / 1M.
    expect(paced.summary.usage.inputTokens).toBe(5000);
    expect(paced.summary.usage.costUsd).toBeCloseTo((50 * (100 * 0.4 + 10 * 1.6)) / 1e6, 10);

    await batch(unlimited);
    expect(unlimited.requests.filter((r) => r.status === 429).length).toBeGreaterThan(10);
  });
});

describe("llm step with no provider configured", () => {
  const withoutProvider = async (body: () => Promise<void>): Promise<void> => {
    const saved = { key: process.env.OPENAI_API_KEY, url: process.env.OPENAI_BASE_URL };
    delete process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_BASE_URL;
    try {
      await body();
    } finally {
      if (saved.key !== undefined) process.env.OPENAI_API_KEY = saved.key;
      if (saved.url !== undefined) process.env.OPENAI_BASE_URL = saved.url;
    }
  };

  it("fails with PROVIDER_NOT_CONFIGURED saying which variables to set", async () => {
    await withoutProvider(async () => {
      const result = await run(chainOf(llm("a", { model: MODEL, prompt: "{text}" })), { text: "x" });
      const cause = causeOf(result);
      expect(cause.code).toBe("PROVIDER_NOT_CONFIGURED");
      expect(result.status === "error" ? result.error.message : "").toMatch(
        /OPENAI_API_KEY.*OPENAI_BASE_URL/,
      );
    });
  });

  it("defers cascade items with the cheap tier's best guess, and a batch goes on and says why", async () => {
    await withoutProvider(async () => {
      const rules = regex("rules", { rules: [{ label: "refund", pattern: /money/i, confidence: 0.6 }] });
      const gpt = llm("gpt", { model: MODEL, prompt: "{text}", labels: ["refund", "card"] });
      const chain = chainOf(
        cascade("intent", [{ step: rules, threshold: 0.9 }, gpt], { onExhausted: "deferred" }),
      );
      const result = await run(chain, { text: "money back" });
      expect(result.status).toBe("deferred");
      if (result.status !== "deferred") return;
      expect(result.deferred.best).toMatchObject({
        tier: "rules",
        result: { label: "refund", confidence: 0.6 },
      });
      expect(result.deferred.errors[0]?.error.cause?.code).toBe("PROVIDER_NOT_CONFIGURED");

      const summary = await runBatch(chain, [{ text: "money back" }, { text: "card" }, { text: "money" }]);
      expect(summary.deferred).toBe(3);
      expect(summary.failed).toBe(0);
      expect(summary.deferredReasons).toEqual({ PROVIDER_NOT_CONFIGURED: 3 });
    });
  });
});
