import { describe, expect, it } from "vitest";
import { normalQuantile, wilsonLowerBound } from "./normal-quantile.ts";

describe("normalQuantile", () => {
  it("gives the textbook values, in both tails", () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.95)).toBeCloseTo(1.644854, 5);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
    expect(normalQuantile(1)).toBe(Number.POSITIVE_INFINITY);
    expect(() => normalQuantile(1.5)).toThrow(RangeError);
  });
});

describe("wilsonLowerBound", () => {
  it("is below the share, nearer to it with more items, and the share itself at 50%", () => {
    const small = wilsonLowerBound(0.97, 100, 0.9);
    const large = wilsonLowerBound(0.97, 10_000, 0.9);
    expect(small).toBeLessThan(large);
    expect(large).toBeLessThan(0.97);
    expect(small).toBeCloseTo(0.9394, 3);
    expect(wilsonLowerBound(0.97, 100, 0.5)).toBe(0.97);
    expect(wilsonLowerBound(1, 0, 0.9)).toBe(0);
  });
});
