import { describe, expect, it } from "vitest";
import { binomialTail, chiSquareTest, ksTest, populationStabilityIndex } from "./two-sample-tests.ts";

describe("two-sample tests", () => {
  it("KS: identical samples show no gap, separated ones the full gap (scipy's figures)", () => {
    expect(ksTest([1, 2, 3, 4, 5], [1, 2, 3, 4, 5])).toEqual({ statistic: 0, pValue: 1 });
    const apart = ksTest(
      Array.from({ length: 50 }, (_, i) => i),
      Array.from({ length: 50 }, (_, i) => i + 100),
    );
    expect(apart.statistic).toBe(1);
    expect(apart.pValue).toBeLessThan(1e-10);
    // scipy.stats.ks_2samp(range(100), range(20, 120), method="asymp"): D = 0.2, p ≈ 0.0366.
    const shifted = ksTest(
      Array.from({ length: 100 }, (_, i) => i),
      Array.from({ length: 100 }, (_, i) => i + 20),
    );
    expect(shifted.statistic).toBeCloseTo(0.2, 10);
    expect(shifted.pValue).toBeGreaterThan(0.025);
    expect(shifted.pValue).toBeLessThan(0.045);
  });

  it("chi-square: p-values of a known 2×2 table, and pooling of rare categories", () => {
    // scipy.stats.chi2_contingency([[50, 50], [70, 30]], correction=False): chi2 = 8.333, p = 0.00389.
    const r = chiSquareTest({ a: 50, b: 50 }, { a: 70, b: 30 });
    expect(r.statistic).toBeCloseTo(8.3333, 3);
    expect(r.df).toBe(1);
    expect(r.pValue).toBeCloseTo(0.00389, 4);
    expect(chiSquareTest({ a: 40, b: 60 }, { a: 40, b: 60 }).pValue).toBeCloseTo(1, 10);
    // Three rare categories pool into one cell instead of inflating the statistic.
    expect(chiSquareTest({ a: 100, x: 1, y: 1, z: 1 }, { a: 100, x: 0, y: 1, z: 2 }).df).toBe(1);
  });

  it("PSI: near zero for one distribution, large for a shifted one", () => {
    const base = Array.from({ length: 500 }, (_, i) => i % 50);
    expect(populationStabilityIndex(base, base)).toBeCloseTo(0, 10);
    expect(
      populationStabilityIndex(
        base,
        base.map((v) => v + 40),
      ),
    ).toBeGreaterThan(0.25);
  });

  it("binomial tail: P(X ≥ k)", () => {
    expect(binomialTail(0, 10, 0.5)).toBe(1);
    expect(binomialTail(10, 10, 0.5)).toBeCloseTo(1 / 1024, 10);
    expect(binomialTail(6, 10, 0.5)).toBeCloseTo(386 / 1024, 10);
  });
});
