import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineChain } from "../compile/define-chain.ts";
import { branch, cascade, sequence } from "../flows/flow-nodes.ts";
import { run } from "../runtime/runner.ts";
import { code } from "../steps/code-step.ts";
import type { LabelResult, Step } from "../types.ts";
import { calibrate, itemsNeededFor, NEVER_ACCEPT } from "./calibrate.ts";
import { readThresholds, writeThresholds } from "./thresholds-file.ts";

// A synthetic dev set whose best thresholds are known. Item i (0..99):
// tier "a" is sure (0.5 + i/200) and right when i >= 60 or i is even -> at 97% it should accept
//   i >= 58 (42 items, 41 right: 97.6%); accepting i = 57 too would drop to 41/43 = 95.3%;
// tier "b" sees i < 58: right (confidence 0.9) unless i % 4 == 3 (confidence 0.6) -> threshold 0.9,
//   44 accepted, all right; the 14 others go on to the LLM tier.
interface Item {
  i: number;
}
const devSet = Array.from({ length: 100 }, (_, i) => ({ input: { i }, label: "yes" }));
let llmCalls = 0;
const llmTier: Step<unknown, LabelResult> = {
  type: "step",
  name: "gpt",
  kind: "llm",
  spec: { model: "fake" },
  run: () => {
    llmCalls++;
    return { label: "yes", confidence: 1 };
  },
};

function chainWith(thresholds: { a: number; b: number }, version = "1.0.0") {
  return defineChain({
    name: "calibration-demo",
    version,
    input: z.object({ i: z.number() }),
    output: z.object({ label: z.string().nullable(), tier: z.string() }).loose(),
    flow: sequence(
      code("prepare", ({ i }: Item) => ({ i, ca: 0.5 + i / 200, right: i >= 60 || i % 2 === 0 })),
      cascade("intent", [
        {
          step: code("a", (d: { ca: number; right: boolean }) => ({
            label: d.right ? "yes" : "no",
            confidence: d.ca,
          })),
          threshold: thresholds.a,
        },
        {
          step: code("b", (d: { i: number }) =>
            d.i % 4 === 3 ? { label: "no", confidence: 0.6 } : { label: "yes", confidence: 0.9 },
          ),
          threshold: thresholds.b,
        },
        llmTier,
      ]),
    ),
  });
}

describe("calibrate", () => {
  it("picks, tier by tier, the widest threshold that reaches the target precision", async () => {
    llmCalls = 0;
    const result = await calibrate(chainWith({ a: 0, b: 0 }), devSet, {
      targetPrecision: 0.97,
      llmCostPerItemUsd: 0.01,
    });
    expect(llmCalls).toBe(0);
    expect(result.thresholds.a).toBeCloseTo(0.79, 10);
    expect(result.thresholds.b).toBe(0.9);
    expect(result.tiers.map(({ tier, seen, accepted }) => ({ tier, seen, accepted }))).toEqual([
      { tier: "a", seen: 100, accepted: 42 },
      { tier: "b", seen: 58, accepted: 44 },
    ]);
    expect(result.tiers[0]?.precision).toBeCloseTo(41 / 42, 10);
    expect(result.tiers[0]?.precision).toBeGreaterThanOrEqual(0.97);
    expect(result.accepted).toEqual({ count: 86, coverage: 0.86, precision: 85 / 86 });
    expect(result.rest).toEqual({ count: 14, share: 0.14, tiers: ["gpt"] });
    expect(result.cost?.llmOnlyUsd).toBeCloseTo(1, 10);
    expect(result.cost?.savedUsd).toBeCloseTo(0.86, 10);
    expect(result.cost?.savedPer1000ItemsUsd).toBeCloseTo(8.6, 10);
  });

  it("reports coverage and precision by weight when the items carry weights", async () => {
    const weighed = devSet.map((item, i) => ({ ...item, weight: i >= 58 ? 1 : 3 }));
    const result = await calibrate(chainWith({ a: 0, b: 0 }), weighed, { targetPrecision: 0.97 });
    const [a, b] = result.tiers;
    expect(a).toMatchObject({ accepted: 42, coverage: 42 / 216, precision: 41 / 42 });
    expect(b).toMatchObject({ accepted: 44, coverage: 132 / 216, precision: 1 });
    expect(result.accepted).toMatchObject({ count: 86, coverage: 174 / 216, precision: 173 / 174 });
  });

  it("gives thresholds that the chain reads back, changing its fingerprint, and that hold on a run", async () => {
    const result = await calibrate(chainWith({ a: 0, b: 0 }), devSet, { targetPrecision: 0.97 });
    const path = join(mkdtempSync(join(tmpdir(), "catena-cal-")), "thresholds.json");
    writeThresholds(path, result);
    const t = readThresholds(path, ["a", "b"]);
    const calibrated = chainWith(t, "1.1.0");
    expect(calibrated.fingerprint).not.toBe(chainWith({ a: 0, b: 0 }).fingerprint);
    const tiers: Record<string, number> = {};
    let right = 0;
    for (const item of devSet) {
      const r = await run(calibrated, item.input);
      if (r.status !== "done") throw new Error(r.status);
      const out = r.output as { tier: string; label: string };
      tiers[out.tier] = (tiers[out.tier] ?? 0) + 1;
      if (out.tier !== "gpt" && out.label === "yes") right++;
    }
    expect(tiers).toEqual({ a: 42, b: 44, gpt: 14 });
    expect(right).toBe(85);
    expect(() => readThresholds(path, ["c"])).toThrow(/no threshold for tier "c" \(has: a, b\)/);
  });

  it("marks a tier that cannot reach the target as never accepting", async () => {
    const result = await calibrate(chainWith({ a: 0, b: 0 }), devSet, { targetPrecision: 1, tiers: ["b"] });
    expect(result.tiers[0]).toMatchObject({ tier: "b", threshold: 0.9, accepted: 75, precision: 1 });
    const strict = await calibrate(chainWith({ a: 0, b: 0 }), devSet.slice(0, 3), {
      targetPrecision: 1,
      tiers: ["a"],
    });
    // Items 0..2: only 0 and 2 right, and the most confident (2) is right, then 1 wrong: 1/1 at 0.51.
    expect(strict.thresholds.a).toBeCloseTo(0.51, 10);
    const none = await calibrate(chainWith({ a: 0, b: 0 }), [{ input: { i: 3 }, label: "yes" }], {
      targetPrecision: 0.9,
      tiers: ["b"],
    });
    expect(none.thresholds.b).toBe(NEVER_ACCEPT);
    expect(none.tiers[0]).toMatchObject({ threshold: null, accepted: 0, precision: null });
  });

  it("warns when the dev set, or a tier's accepted items, are too few for the target precision", async () => {
    expect(itemsNeededFor(0.97)).toBe(100);
    expect(itemsNeededFor(0.9)).toBe(30);
    expect(itemsNeededFor(1)).toBeNull();
    const result = await calibrate(chainWith({ a: 0, b: 0 }), devSet, { targetPrecision: 0.97 });
    // 100 items are enough for the dev set, but tiers a and b accept 42 and 44 of them.
    expect(result.warnings.map(({ code, tier, count, needed }) => ({ code, tier, count, needed }))).toEqual([
      { code: "TOO_FEW_ACCEPTED", tier: "a", count: 42, needed: 100 },
      { code: "TOO_FEW_ACCEPTED", tier: "b", count: 44, needed: 100 },
    ]);
    expect(result.warnings[0]?.message).toMatch(
      /tier "a" accepted 42 dev items, too few to show 97% precision/,
    );
    expect(result.warnings[0]?.message).toMatch(/at least 100 accepted items are needed/);
    const small = await calibrate(chainWith({ a: 0, b: 0 }), devSet.slice(0, 50), { targetPrecision: 0.97 });
    expect(small.warnings[0]).toMatchObject({ code: "DEV_SET_TOO_SMALL", count: 50, needed: 100 });
    expect(small.warnings[0]?.message).toMatch(/the dev set has 50 items, too few for 97% precision/);
    const loose = await calibrate(chainWith({ a: 0, b: 0 }), devSet, { targetPrecision: 0.9 });
    expect(loose.warnings).toEqual([]);
    const path = join(mkdtempSync(join(tmpdir(), "catena-cal-")), "thresholds.json");
    writeThresholds(path, result);
    expect(readFileSync(path, "utf8")).not.toContain("warnings");
  });

  it("names what is wrong: no cascade, an unknown tier, an empty dev set, a bad weight, an unreachable bound, a cascade inside a branch", async () => {
    const plain = defineChain({
      name: "plain",
      version: "1.0.0",
      input: z.object({ i: z.number() }),
      output: z.unknown(),
      flow: code("id", (x: Item) => x),
    });
    await expect(calibrate(plain, devSet, { targetPrecision: 0.9 })).rejects.toThrow(/has no cascade/);
    await expect(
      calibrate(chainWith({ a: 0, b: 0 }), devSet, { targetPrecision: 0.9, tiers: ["x"] }),
    ).rejects.toThrow(/no tier "x" \(tiers: a, b, gpt\)/);
    await expect(calibrate(chainWith({ a: 0, b: 0 }), [], { targetPrecision: 0.9 })).rejects.toThrow(
      /dev set is empty/,
    );
    const inner = cascade("inner", [code("t", () => ({ label: "yes", confidence: 0.5 }))]);
    const branched = defineChain({
      name: "branched",
      version: "1.0.0",
      input: z.object({ i: z.number() }),
      output: z.unknown(),
      flow: branch("route", [{ when: () => true, flow: inner }]),
    });
    await expect(calibrate(branched, devSet, { targetPrecision: 0.9 })).rejects.toThrow(
      /inside branch "route"/,
    );
    const weighed = devSet.map((item, i) => (i === 1 ? { ...item, weight: Number.NaN } : item));
    await expect(calibrate(chainWith({ a: 0, b: 0 }), weighed, { targetPrecision: 0.9 })).rejects.toThrow(
      /dev item 1 has weight NaN; a weight must be a finite number >= 0/,
    );
    await expect(
      calibrate(chainWith({ a: 0, b: 0 }), devSet, { targetPrecision: 1, precisionBound: 0.8 }),
    ).rejects.toThrow(/cannot show a targetPrecision of 1/);
    const viaInputOf = await calibrate(branched, devSet.slice(0, 2), {
      targetPrecision: 0.9,
      inputOf: (x) => x,
    });
    expect(viaInputOf.thresholds.t).toBe(0.5);
  });

  it("rejects a thresholds file that is not one", () => {
    const path = join(mkdtempSync(join(tmpdir(), "catena-cal-")), "other.json");
    writeFileSync(path, "{}");
    expect(() => readThresholds(path, ["a"])).toThrow(/not a Catena thresholds file/);
  });
});
