import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { ChatResult } from "@langchain/core/outputs";
import { describe, expect, it } from "vitest";
import { retry } from "../flows/retry.ts";
import { run } from "../runtime/runner.ts";
import { llm } from "../steps/llm-step.ts";
import { ATTEMPTS, chainOf, stepAt } from "./fixtures/failing-provider-step.ts";
import { testServers } from "./fixtures/provider-fixture.ts";

// A retry() around an llm step whose provider fails: it asks again only when the failure may pass
// (a 429, a 5xx, an error Catena cannot classify), never after a refusal or a client error,
// through the real ChatOpenAI against the local test server, or a client of its own.

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

describe("a retry() around an llm step against a failing provider", () => {
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
});
