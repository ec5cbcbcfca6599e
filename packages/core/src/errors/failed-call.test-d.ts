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
});
