import { describe, expectTypeOf, it } from "vitest";
import type { SkewReport } from "./skew-report.ts";

describe("the skew report's types", () => {
  it("says how many labelled items the label mix was tested on, beside its degrees of freedom", () => {
    type LabelMix = NonNullable<SkewReport["labels"]>;
    expectTypeOf<LabelMix["items"]>().toEqualTypeOf<{ baseline: number; recent: number }>();
    expectTypeOf<LabelMix["df"]>().toEqualTypeOf<number>();
    // @ts-expect-error the two sides are all it counts
    expectTypeOf<LabelMix["items"]["labelled"]>().toBeNumber();
  });
});
