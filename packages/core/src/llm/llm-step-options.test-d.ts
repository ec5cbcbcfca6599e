/* Type tests of the llm step's options that say how an answer is judged. */
import { describe, expectTypeOf, it } from "vitest";
import type { LlmStepOptions } from "./llm-step-options.ts";

describe("LlmStepOptions", () => {
  it("takes `allowEmpty` as an optional boolean", () => {
    expectTypeOf<LlmStepOptions["allowEmpty"]>().toEqualTypeOf<boolean | undefined>();
    // @ts-expect-error: whether an empty answer is used, not a fallback text
    const wrong: Pick<LlmStepOptions, "allowEmpty"> = { allowEmpty: "none" };
    void wrong;
  });
});
