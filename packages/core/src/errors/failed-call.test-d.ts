/* Type tests of a failed model call, as PROVIDER_FAILED lists it in `details.calls`. */
import { describe, expectTypeOf, it } from "vitest";
import type { FailedCall } from "../index.ts";

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
