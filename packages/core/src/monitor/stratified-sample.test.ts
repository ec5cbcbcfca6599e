import { describe, expect, it } from "vitest";
import { dailySeed, stratifiedSample } from "./stratified-sample.ts";

const items = [
  ...Array.from({ length: 90 }, (_, i) => ({ id: `linear-${i}`, tier: "linear" })),
  ...Array.from({ length: 8 }, (_, i) => ({ id: `llm-${i}`, tier: "llm" })),
  ...Array.from({ length: 2 }, (_, i) => ({ id: `rules-${i}`, tier: "rules" })),
];

describe("stratifiedSample", () => {
  it("gives rare strata their turn, and stops when every stratum is used up", () => {
    const picked = stratifiedSample(items, { n: 12, stratumOf: (r) => r.tier, seed: 1 });
    expect(picked).toHaveLength(12);
    const count = (tier: string) => picked.filter((p) => p.stratum === tier).length;
    expect([count("linear"), count("llm"), count("rules")]).toEqual([5, 5, 2]);
    expect(stratifiedSample(items.slice(90), { n: 50, stratumOf: (r) => r.tier, seed: 1 })).toHaveLength(10);
  });

  it("with fewer picks than strata, takes the rarest strata first, not the first names in the alphabet", () => {
    // 30 labels, most with 5 runs; "zz-rare" and "yy-rare" (last in name order) have one run each.
    const labelled = [
      ...Array.from({ length: 28 * 5 }, (_, i) => ({
        id: `c${i}`,
        label: `a${String(Math.floor(i / 5)).padStart(2, "0")}`,
      })),
      { id: "y", label: "yy-rare" },
      { id: "z", label: "zz-rare" },
    ];
    for (const seed of [1, 2, 3]) {
      const picked = stratifiedSample(labelled, { n: 5, stratumOf: (r) => r.label, seed });
      expect(picked).toHaveLength(5);
      expect(
        picked
          .slice(0, 2)
          .map((p) => p.stratum)
          .sort(),
      ).toEqual(["yy-rare", "zz-rare"]);
    }
    // Among strata of one size, the seed (the day) decides which get their turn, not their names.
    const firstThree = (seed: number) =>
      stratifiedSample(labelled, { n: 5, stratumOf: (r) => r.label, seed })
        .slice(2)
        .map((p) => p.stratum)
        .join();
    expect(new Set([1, 2, 3, 4, 5].map(firstThree)).size).toBeGreaterThan(1);
  });

  it("is the same all day for a seed from the date, and another sample the next day", () => {
    const morning = dailySeed("banking-intents", new Date("2026-12-06T08:00:00Z"));
    const evening = dailySeed("banking-intents", new Date("2026-12-06T22:30:00Z"));
    const tomorrow = dailySeed("banking-intents", new Date("2026-12-07T08:00:00Z"));
    expect(morning).toBe(evening);
    const ids = (seed: number) =>
      stratifiedSample(items, { n: 10, stratumOf: (r) => r.tier, seed }).map((p) => p.item.id);
    expect(ids(morning)).toEqual(ids(evening));
    expect(ids(tomorrow)).not.toEqual(ids(morning));
  });
});
