import { describe, expect, it } from "vitest";
import { run } from "../runtime/runner.ts";
import { ATTEMPTS, expectFault, type FaultCase, faultStep, MODEL } from "./fixtures/fault-matrix.ts";
import { testServers, textChain } from "./fixtures/provider-fixture.ts";

// The provider fault matrix, HTTP errors: every status a provider answers with, Retry-After in its
// shapes, a connection reset before the headers and a server that never answers (see
// fixtures/fault-matrix.ts).

const start = testServers();

const inHttpDate = (ms: number) => new Date(Date.now() + ms).toUTCString();
const status = (code: number, kind: string, retried: boolean, fix: RegExp, message?: string): FaultCase => ({
  name: `HTTP ${code}${message === undefined ? "" : ` (${message.slice(0, 30)}…)`}`,
  reply: () => ({ fail: code, ...(message === undefined ? {} : { message }) }),
  code: "PROVIDER_FAILED",
  kind,
  requests: retried ? ATTEMPTS : 1,
  retryable: retried,
  message: new RegExp(`\\(${MODEL}\\); last: ${code} .*${fix.source}`),
});
const KEY =
  /Check the API key the server at http:\/\/127\.0\.0\.1:\d+\/v1 expects \(the `apiKey` option, else OPENAI_API_KEY\) and its access to the model/;
const REQUEST = /The provider refused the request itself .*retrying does not help\./;
const STATUS = /Check the provider's status, raise `retry\.attempts`, or add `fallbacks`\./;

const cases: FaultCase[] = [
  status(
    400,
    "client",
    false,
    REQUEST,
    "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
  ),
  status(401, "client", false, KEY, "Incorrect API key provided: k."),
  status(403, "client", false, KEY, "Project does not have access to model gpt-4.1-mini."),
  status(404, "client", false, REQUEST, "The model `gpt-4.1-mini-2025-04-14` does not exist."),
  status(408, "timeout", true, STATUS),
  {
    // OpenAI's own client retries a 409 (a lock timeout: openai-node's shouldRetry), so does the
    // step, as often as `retry.attempts` allows and no more.
    name: "HTTP 409 (a lock timeout)",
    reply: () => ({ fail: 409 }),
    code: "PROVIDER_FAILED",
    kind: "conflict",
    requests: ATTEMPTS,
    retryable: true,
    message:
      /\(openai:gpt-4\.1-mini-2025-04-14\); last: 409 .*\. The provider answered 409 Conflict \(another request held a lock on the same resource and it timed out; this passes once that request ends\): the step retried it up to `retry\.attempts` times; try again later, raise `retry\.attempts`, or add `fallbacks`\./,
  },
  status(413, "client", false, REQUEST, "Request too large for gpt-4.1-mini."),
  status(422, "client", false, REQUEST),
  status(429, "rate-limit", true, STATUS),
  status(500, "server", true, STATUS),
  status(502, "server", true, STATUS),
  status(503, "server", true, STATUS),
  status(504, "server", true, STATUS),
  {
    name: "429 insufficient_quota (an account out of credit)",
    reply: () => ({
      fail: 429,
      errorCode: "insufficient_quota",
      message: "You exceeded your current quota, please check your plan and billing details.",
    }),
    code: "PROVIDER_FAILED",
    kind: "quota",
    requests: 1,
    retryable: false,
    message:
      /last: 429 You exceeded your current quota.*\. The provider's account has run out of quota \(insufficient_quota\): check its plan and billing/,
  },
  {
    name: "429 with Retry-After: 0 (seconds)",
    reply: () => ({ fail: 429, retryAfter: "0" }),
    code: "PROVIDER_FAILED",
    kind: "rate-limit",
    requests: ATTEMPTS,
    retryable: true,
    message: /last: 429 /,
  },
  {
    name: "429 with Retry-After as an HTTP date past maxRetryAfterMs",
    reply: () => ({ fail: 429, retryAfter: inHttpDate(5000) }),
    code: "PROVIDER_FAILED",
    kind: "rate-limit",
    requests: 1,
    retryable: false,
    message: /asked to wait [3-5] s, longer than `retry\.maxRetryAfterMs` \(1 s\): raise it/,
  },
  {
    name: "429 with Retry-After as an HTTP date already past",
    reply: () => ({ fail: 429, retryAfter: "Thu, 01 Jan 1970 00:00:00 GMT" }),
    code: "PROVIDER_FAILED",
    kind: "rate-limit",
    requests: ATTEMPTS,
    retryable: true,
    message: /last: 429 /,
  },
  {
    name: "429 with a day's Retry-After",
    reply: () => ({ fail: 429, retryAfter: "86400" }),
    code: "PROVIDER_FAILED",
    kind: "rate-limit",
    requests: 1,
    retryable: false,
    message: /asked to wait 24 h, longer than/,
  },
  {
    name: "429 with an absurd Retry-After",
    reply: () => ({ fail: 429, retryAfter: "99999999999999999999" }),
    code: "PROVIDER_FAILED",
    kind: "rate-limit",
    requests: 1,
    retryable: false,
    message: /asked to wait more than a year, longer than/,
  },
  {
    name: "429 with a garbled Retry-After (backoff instead)",
    reply: () => ({ fail: 429, retryAfter: "soon" }),
    code: "PROVIDER_FAILED",
    kind: "rate-limit",
    requests: ATTEMPTS,
    retryable: true,
    message: /last: 429 /,
  },
  {
    name: "connection reset before the headers",
    reply: () => ({ disconnect: true }),
    code: "PROVIDER_FAILED",
    kind: "connection",
    requests: ATTEMPTS,
    retryable: true,
    message: /last: Connection error\. Check the provider's status/,
  },
  {
    name: "a server that accepts and never answers",
    reply: () => ({ hang: true }),
    step: { callTimeoutMs: 200 },
    code: "PROVIDER_FAILED",
    kind: "timeout",
    requests: ATTEMPTS,
    retryable: true,
    message:
      /last: no answer within 200 ms \(the step's `callTimeoutMs`\)\. If the model needs longer .*raise the timeout named above/,
  },
];

describe("the provider fault matrix: an llm step meeting an HTTP error", () => {
  it.each(cases)("$name: $code after $requests request(s)", (c) => expectFault(start, c));

  it("answers after a 409 once the lock is free: a conflict is retried, not failed", async () => {
    const s = await start([{ fail: 409 }, { content: "done" }]);
    const result = await run(textChain("faults", faultStep(s.url)), { text: "x" });
    expect(result).toMatchObject({ status: "done", output: "done" });
    expect(s.requests.map((r) => r.status)).toEqual([409, 200]);
  });
});
