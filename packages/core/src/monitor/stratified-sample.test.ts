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

  it("with fewer picks than strata, gives each stratum its turn over the days, the busiest too", () => {
    // 30 labels: one busy label with 500 runs, 27 with 5, and two with one run each.
    const labelled = [
      ...Array.from({ length: 500 }, (_, i) => ({ id: `busy${i}`, label: "busy" })),
      ...Array.from({ length: 27 * 5 }, (_, i) => ({
        id: `c${i}`,
        label: `a${String(Math.floor(i / 5)).padStart(2, "0")}`,
      })),
      { id: "y", label: "yy-rare" },
      { id: "z", label: "zz-rare" },
    ];
    const strata = (seed: number) =>
      stratifiedSample(labelled, { n: 5, stratumOf: (r) => r.label, seed }).map((p) => p.stratum);
    const days = Array.from({ length: 40 }, (_, day) =>
      dailySeed("x", new Date(Date.UTC(2026, 11, 1 + day))),
    );
    const seen = new Map<string, number>();
    for (const seed of days) {
      const picked = strata(seed);
      expect(picked).toHaveLength(5);
      expect(new Set(picked).size).toBe(5);
      // The same seed, the same sample.
      expect(strata(seed)).toEqual(picked);
      for (const s of picked) seen.set(s, (seen.get(s) ?? 0) + 1);
    }
    // Every label got picked on some day: the busy one and the rare ones alike, not the same few daily.
    expect([...seen.keys()].sort()).toEqual([...new Set(labelled.map((r) => r.label))].sort());
    expect(new Set(days.map((seed) => strata(seed)[0])).size).toBeGreaterThan(10);
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
