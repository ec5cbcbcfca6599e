import { describe, expect, it } from "vitest";
import { whatToDo } from "../errors/llm-errors.ts";
import { classifyProviderError, retryAfterOf } from "./provider-failure.ts";
import { DEFAULT_RETRY_POLICY, retryDelay } from "./retry-policy.ts";

describe("classifyProviderError", () => {
  it("retries rate limits, server errors, timeouts and connection failures, not client errors", () => {
    const status = (s: number) => Object.assign(new Error(`HTTP ${s}`), { status: s });
    expect(classifyProviderError(status(429))).toMatchObject({ kind: "rate-limit", retryable: true });
    expect(classifyProviderError(status(503))).toMatchObject({ kind: "server", retryable: true });
    expect(classifyProviderError(status(408))).toMatchObject({ kind: "timeout", retryable: true });
    expect(classifyProviderError(status(401))).toMatchObject({ kind: "client", retryable: false });
    expect(classifyProviderError(status(404))).toMatchObject({ kind: "client", retryable: false });
    const refused = Object.assign(new Error("Connection error."), { cause: { code: "ECONNREFUSED" } });
    expect(classifyProviderError(refused)).toMatchObject({ kind: "connection", retryable: true });
    expect(classifyProviderError(new SyntaxError("Unexpected end of JSON input"))).toMatchObject({
      kind: "malformed-response",
      retryable: true,
    });
    expect(classifyProviderError(new TypeError("x is not a function"))).toMatchObject({ retryable: false });
  });

  it("reads the status from the shapes clients give it, and leaves an error without one unknown", () => {
    const shaped = (fields: object, message = "failed") => Object.assign(new Error(message), fields);
    expect(classifyProviderError(shaped({ statusCode: 503 }))).toMatchObject({ kind: "server", status: 503 });
    expect(classifyProviderError(shaped({ status_code: 400 }))).toMatchObject({
      kind: "client",
      status: 400,
    });
    expect(classifyProviderError(shaped({ response: { status: 429 } }))).toMatchObject({ status: 429 });
    const throttled = shaped({ name: "ThrottlingException", $metadata: { httpStatusCode: 429 } });
    expect(classifyProviderError(throttled)).toMatchObject({ kind: "rate-limit", retryable: true });
    // A number at the start of a message is no HTTP status: a step's own "404 items not found"
    // stays unknown (a retry() around the step tries it again), not a client error.
    for (const message of [
      "404 items not found",
      "503 Service Unavailable",
      "4000 tokens is over the limit",
    ]) {
      const failure = classifyProviderError(new Error(message));
      expect(failure, message).toMatchObject({ kind: "unknown" });
      expect(failure.status, message).toBeUndefined();
    }
    expect(classifyProviderError("401 Unauthorized").status).toBeUndefined();
    // The OpenAI SDK's shape (its message starts with the status too): read from the field.
    const sdk = Object.assign(new Error("404 The model `gpt-x` does not exist"), {
      status: 404,
      headers: {},
    });
    expect(classifyProviderError(sdk)).toMatchObject({ kind: "client", status: 404 });
    expect(classifyProviderError(shaped({ cause: { status_code: 502 } }))).toMatchObject({ status: 502 });
  });

  it("says a timeout names its option only when one of the caller's ran out", () => {
    const client = Object.assign(new Error("Request timed out."), { name: "TimeoutError" });
    // The client's own: it ran out at its `timeout`.
    expect(classifyProviderError(client, { elapsedMs: 1000, clientTimeoutMs: 1000 })).toMatchObject({
      kind: "timeout",
      namesTimeout: true,
      message: expect.stringMatching(/raise the `timeout` of the model instance$/),
    });
    // A client Catena built for a model id has no instance to set it on.
    expect(classifyProviderError(client, { elapsedMs: 1000, fromId: true }).message).toMatch(
      /pass a chat model instance with a larger `timeout` as the step's `model`$/,
    );
    // Sooner than its `timeout`: a timeout below it, which the client reports the same way.
    const early = classifyProviderError(client, { elapsedMs: 20, clientTimeoutMs: 600_000 });
    expect(early).toMatchObject({ kind: "timeout", retryable: true });
    expect(early.namesTimeout).toBeUndefined();
    // Another client's or a proxy's words: a timeout, but of nothing the caller set.
    const gateway = classifyProviderError(new Error("Gateway timed out"));
    expect(gateway).toMatchObject({ kind: "timeout", retryable: true, message: "Gateway timed out" });
    expect(gateway.namesTimeout).toBeUndefined();
    const advice = whatToDo({ model: "acme:m", attempt: 1, ...gateway });
    expect(advice).toMatch(/^Check the provider's status, the network and any proxy between them/);
    expect(advice).not.toMatch(/raise the timeout named above/);
    expect(
      whatToDo({ model: "acme:m", attempt: 1, kind: "timeout", message: "x", namesTimeout: true }),
    ).toMatch(/raise the timeout named above/);
  });

  it("reads how long the provider asked to wait", () => {
    expect(retryAfterOf(new Headers({ "retry-after-ms": "1500", "retry-after": "2" }))).toBe(1500);
    expect(retryAfterOf(new Headers({ "retry-after": "3" }))).toBe(3000);
    expect(retryAfterOf({ "retry-after": "1" })).toBe(1000);
    const date = new Date(Date.now() + 5000).toUTCString();
    expect(retryAfterOf(new Headers({ "retry-after": date }))).toBeGreaterThan(3000);
    expect(retryAfterOf(new Headers())).toBeUndefined();
    const limited = Object.assign(new Error("429"), {
      status: 429,
      headers: new Headers({ "retry-after": "2" }),
    });
    expect(classifyProviderError(limited).retryAfterMs).toBe(2000);
  });
});

describe("retryDelay", () => {
  it("grows exponentially with jitter, capped, and honours Retry-After up to a bound", () => {
    const policy = { ...DEFAULT_RETRY_POLICY, initialMs: 100, factor: 2, maxMs: 1000 };
    expect(retryDelay(policy, 1, undefined, () => 0)).toBe(50);
    expect(retryDelay(policy, 1, undefined, () => 1)).toBe(100);
    expect(retryDelay(policy, 3, undefined, () => 1)).toBe(400);
    expect(retryDelay(policy, 10, undefined, () => 1)).toBe(1000);
    expect(retryDelay({ ...policy, jitter: false }, 2, undefined, () => 0)).toBe(200);
    expect(retryDelay(policy, 1, 2000, () => 0)).toBe(2000);
    expect(retryDelay(policy, 1, 2000, () => 1)).toBe(2200);
    expect(retryDelay(policy, 1, 120_000)).toBeUndefined();
  });
});
