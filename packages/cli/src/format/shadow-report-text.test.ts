import type { ShadowReport } from "@catena/core/ml";
import { describe, expect, it } from "vitest";
import { shadowText } from "./shadow-report-text.ts";

const agreement = (pairs: number, agree: number) => ({ pairs, agree, rate: agree / pairs });

/** 20 labels: the first two with a disagreement each, the others all agreeing. */
const report: ShadowReport = {
  pairs: 40,
  unpaired: 0,
  versions: { current: ["1.0.0"], candidate: ["1.0.1"] },
  agreement: agreement(40, 38),
  byTier: { linear: agreement(30, 30), llm: agreement(10, 8) },
  byLabel: Object.fromEntries(
    Array.from({ length: 20 }, (_, i) => [
      `label_${String(i).padStart(2, "0")}`,
      agreement(2, i < 2 ? 1 : 2),
    ]),
  ),
  latencyMs: { current: 58.3, candidate: 59.2, delta: 0.9 },
  costUsd: { current: 0.0093, candidate: 0.0074, delta: -0.0019 },
  disagreements: [],
};

describe("shadowText", () => {
  it("says how many labels the by-label table leaves out, and what they hold", () => {
    const text = shadowText("banking-intents", report, new Date(0), "d.jsonl", undefined);
    expect(text).toMatch(/^label_00\s+2\s+1\s+50\.0%$/m);
    expect(text).toContain("… 5 more labels (10 pairs, 0 disagreements; --json lists them all)");
  });

  it("gives the cost delta in dollars, and the latencies as means", () => {
    const text = shadowText("banking-intents", report, new Date(0), "d.jsonl", undefined);
    expect(text).toContain(
      "mean latency: 58.3 ms current, 59.2 ms candidate (+0.9 ms); cost: $0.0093 current, $0.0074 candidate (-$0.0019).",
    );
    expect(text).not.toContain("\n\n\n");
  });
});
