/* Type tests of what a test tells the OpenAI-compatible test server to answer. */
import { describe, expectTypeOf, it } from "vitest";
import type { HangReply, ScriptedReply } from "./index.ts";

describe("HangReply", () => {
  it("hangs before the headers (true) or mid-body", () => {
    expectTypeOf<HangReply["hang"]>().toEqualTypeOf<true | "mid-body">();
    const replies: ScriptedReply[] = [{ hang: true }, { hang: "mid-body" }];
    void replies;
    // @ts-expect-error: a hang has no other place to stop
    const wrong: HangReply = { hang: "mid-stream" };
    void wrong;
  });
});
