/* Type tests of a failed model call, as PROVIDER_FAILED lists it in `details.calls`. */
import { describe, expectTypeOf, it } from "vitest";
import type { FailedCall, ProviderFailureKind } from "../index.ts";

describe("FailedCall", () => {
  it("says the custom base URL a call went to, as an optional string", () => {
    expectTypeOf<FailedCall["baseURL"]>().toEqualTypeOf<string | undefined>();
    const atProxy: FailedCall = {
      model: "openai:gpt-4.1-mini",
      attempt: 1,
      kind: "client",
      status: 401,
      message: "Incorrect API key provided.",
      baseURL: "http://127.0.0.1:8000/v1",
    };
    void atProxy;
    // @ts-expect-error: a URL as text, not a URL object
    const wrong: Pick<FailedCall, "baseURL"> = { baseURL: new URL("http://127.0.0.1:8000/v1") };
    void wrong;
  });

  it("says whether a timeout's message names the option that ran out, as an optional flag", () => {
    expectTypeOf<FailedCall["namesTimeout"]>().toEqualTypeOf<boolean | undefined>();
    const stepTimeout: FailedCall = {
      model: "openai:gpt-4.1-mini",
      attempt: 1,
      kind: "timeout",
      message: "no answer within 60000 ms (the step's `callTimeoutMs`)",
      namesTimeout: true,
    };
    void stepTimeout;
    // @ts-expect-error: a flag, not the option's name
    const wrong: Pick<FailedCall, "namesTimeout"> = { namesTimeout: "callTimeoutMs" };
    void wrong;
  });
});

describe("FailedCall kind", () => {
  it("is one of the kinds the step tells apart, a 409 and a cut answer with kinds of their own", () => {
    expectTypeOf<FailedCall["kind"]>().toEqualTypeOf<ProviderFailureKind>();
    // The whole union: a kind added or dropped is a change users' switch statements see.
    expectTypeOf<ProviderFailureKind>().toEqualTypeOf<
      | "rate-limit"
      | "server"
      | "conflict"
      | "connection"
      | "timeout"
      | "malformed-response"
      | "empty-answer"
      | "token-limit"
      | "client"
      | "refusal"
      | "content-filter"
      | "quota"
      | "unknown"
    >();
    // @ts-expect-error: no kind "cut-off" (a cut answer is "token-limit")
    const wrong: Pick<FailedCall, "kind"> = { kind: "cut-off" };
    void wrong;
  });

  it("says what the provider said of retrying (x-should-retry), as an optional flag", () => {
    expectTypeOf<FailedCall["shouldRetry"]>().toEqualTypeOf<boolean | undefined>();
  });
});
