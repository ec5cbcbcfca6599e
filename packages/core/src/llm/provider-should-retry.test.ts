import { describe, expect, it } from "vitest";
import { CatenaError } from "../errors/catena-error.ts";
import { run } from "../runtime/runner.ts";
import { ATTEMPTS, expectFault, type FaultCase, faultStep } from "./fixtures/fault-matrix.ts";
import { testServers, textChain } from "./fixtures/provider-fixture.ts";

// OpenAI tells its client whether to retry in an `x-should-retry` header, whatever the status; its
// own client obeys it (openai-node's shouldRetry), and so does the step and a retry() around it.

const start = testServers();

const cases: FaultCase[] = [
  {
    name: "a 500 with x-should-retry: false",
    reply: () => ({ fail: 500, shouldRetry: false }),
    code: "PROVIDER_FAILED",
    kind: "server",
    requests: 1,
    retryable: false,
    message:
      /last: 500 Injected error 500 \(the provider said x-should-retry: false\)\. The provider said not to send this request again \(x-should-retry: false\): check its status and the step's model and settings, or add `fallbacks`\./,
  },
  {
    name: "a 429 with x-should-retry: false",
    reply: () => ({ fail: 429, retryAfterMs: 5, shouldRetry: false }),
    code: "PROVIDER_FAILED",
    kind: "rate-limit",
    requests: 1,
    retryable: false,
    message: /x-should-retry: false/,
  },
  {
    name: "a 400 with x-should-retry: true",
    reply: () => ({ fail: 400, message: "Try again.", shouldRetry: true }),
    code: "PROVIDER_FAILED",
    kind: "client",
    requests: ATTEMPTS,
    retryable: true,
    // Not "retrying does not help": the provider said it may.
    message:
      /last: 400 Try again \(the provider said x-should-retry: true\)\. Check the provider's status, raise `retry\.attempts`, or add `fallbacks`\./,
  },
  {
    name: "a 503 with x-should-retry: true (as without it)",
    reply: () => ({ fail: 503, shouldRetry: true }),
    code: "PROVIDER_FAILED",
    kind: "server",
    requests: ATTEMPTS,
    retryable: true,
    message: /last: 503 Injected error 503\. Check the provider's status/,
  },
  {
    // The header agrees with the status: the quota advice stays, and no note of the header.
    name: "a 429 insufficient_quota with x-should-retry: false",
    reply: () => ({
      fail: 429,
      errorCode: "insufficient_quota",
      message: "You exceeded your current quota.",
      shouldRetry: false,
    }),
    code: "PROVIDER_FAILED",
    kind: "quota",
    requests: 1,
    retryable: false,
    message:
      /last: 429 You exceeded your current quota\. The provider's account has run out of quota \(insufficient_quota\)/,
  },
  {
    name: "a 400 with x-should-retry: false (as without it)",
    reply: () => ({ fail: 400, message: "Bad setting.", shouldRetry: false }),
    code: "PROVIDER_FAILED",
    kind: "client",
    requests: 1,
    retryable: false,
    message: /last: 400 Bad setting\. The provider refused the request itself/,
  },
  {
    // An account out of quota fails for every item: retrying it would keep a batch from stopping.
    name: "a 429 insufficient_quota with x-should-retry: true",
    reply: () => ({
      fail: 429,
      errorCode: "insufficient_quota",
      message: "You exceeded your current quota.",
      shouldRetry: true,
    }),
    code: "PROVIDER_FAILED",
    kind: "quota",
    requests: 1,
    retryable: false,
    message: /last: 429 You exceeded your current quota\. The provider's account has run out of quota/,
  },
  {
    name: "a 401 with x-should-retry: true",
    reply: () => ({ fail: 401, message: "Incorrect API key provided.", shouldRetry: true }),
    code: "PROVIDER_FAILED",
    kind: "client",
    requests: 1,
    retryable: false,
    message: /last: 401 Incorrect API key provided\. Check /,
  },
  {
    name: "a 404 with x-should-retry: true",
    reply: () => ({ fail: 404, message: "The model does not exist.", shouldRetry: true }),
    code: "PROVIDER_FAILED",
    kind: "client",
    requests: 1,
    retryable: false,
    message: /last: 404 The model does not exist\. The provider refused the request itself/,
  },
];

describe("an llm step meeting x-should-retry", () => {
  it.each(cases)("$name: $code after $requests request(s)", (c) => expectFault(start, c));

  it("says shouldRetry in the failed calls, and a 400 the provider says to retry passes on the next call", async () => {
    const s = await start([{ fail: 400, message: "Try again.", shouldRetry: true }, { content: "ok" }]);
    const result = await run(textChain("said", faultStep(s.url)), { text: "x" });
    expect(result).toMatchObject({ status: "done", output: "ok" });
    expect(s.chatRequests()).toHaveLength(2);

    const refused = await start(() => ({ fail: 502, shouldRetry: false }));
    const failed = await run(textChain("said", faultStep(refused.url)), { text: "x" });
    const cause = failed.status === "error" ? failed.error.cause : undefined;
    expect(CatenaError.isInstance(cause)).toBe(true);
    expect(cause).toMatchObject({
      details: {
        retryable: false,
        calls: [{ kind: "server", status: 502, shouldRetry: false, retryable: false }],
      },
    });
  });
});
