import { describe, expectTypeOf, it } from "vitest";
import type { SkewReport } from "./skew-report.ts";

describe("the skew report's types", () => {
  it("says how many labelled items the label mix was tested on, beside its degrees of freedom", () => {
    type LabelMix = NonNullable<SkewReport["labels"]>;
    expectTypeOf<LabelMix["items"]>().toEqualTypeOf<{ baseline: number; recent: number }>();
    expectTypeOf<LabelMix["df"]>().toEqualTypeOf<number | null>();
    // @ts-expect-error the two sides are all it counts
    expectTypeOf<LabelMix["items"]["labelled"]>().toBeNumber();
  });

  it("has a p-value and degrees of freedom only when the label mix was tested, and a reason when it was not", () => {
    type LabelMix = NonNullable<SkewReport["labels"]>;
    const mix = {} as LabelMix;
    if (mix.tested) {
      expectTypeOf(mix.pValue).toEqualTypeOf<number>();
      expectTypeOf(mix.df).toEqualTypeOf<number>();
    } else {
      expectTypeOf(mix.pValue).toEqualTypeOf<null>();
      expectTypeOf(mix.reason).toEqualTypeOf<"single-label" | "too-few-items">();
    }
    // @ts-expect-error a tested mix has no reason
    expectTypeOf<Extract<LabelMix, { tested: true }>["reason"]>().toBeString();
  });
});
