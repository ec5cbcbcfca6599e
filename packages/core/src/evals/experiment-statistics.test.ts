import { describe, expect, it } from "vitest";
import { meanWithInterval, quantile } from "./confidence-interval.ts";
import { checkGate, parseGate } from "./gate.ts";
import { mcnemarExact } from "./mcnemar-test.ts";
import { pairedBootstrap } from "./paired-bootstrap.ts";

describe("experiment statistics", () => {
  it("McNemar's exact p-value: 1 regression against 9 improvements is significant, 3 against 5 is not", () => {
    // By hand: 2 · (C(10,0) + C(10,1)) / 2^10 = 2 · 11 / 1024 = 0.021484375.
    expect(mcnemarExact(1, 9).pValue).toBeCloseTo(22 / 1024, 12);
    // 2 · (1 + 8 + 28 + 56) / 256 = 186 / 256.
    expect(mcnemarExact(3, 5).pValue).toBeCloseTo(186 / 256, 12);
    expect(mcnemarExact(0, 0).pValue).toBe(1);
  });

  it("Wilson interval for pass/fail scores stays in [0, 1]; quantiles by nearest rank", () => {
    const all = meanWithInterval([1, 1, 1, 1]);
    expect(all?.mean).toBe(1);
    expect(all?.high).toBe(1);
    expect(all?.low).toBeGreaterThan(0.4);
    expect(quantile([5, 1, 4, 2, 3], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95)).toBe(10);
  });

  it("paired bootstrap finds a consistent improvement and not a null one", () => {
    const a = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 0.5 : 0.6));
    const better = a.map((x) => x + 0.2);
    expect(pairedBootstrap(a, better).meanDifference).toBeCloseTo(0.2, 10);
    expect(pairedBootstrap(a, better).pValue).toBe(0);
    expect(pairedBootstrap(a, a).pValue).toBe(1);
  });

  it("gates parse, pass and fail, and refuse metrics the report does not have", () => {
    const gate = parseGate("accuracy>=90%, regressions<=3");
    expect(checkGate(gate, { accuracy: 0.9, regressions: 4 }).map((c) => [c.text, c.passed])).toEqual([
      ["accuracy>=90%", true],
      ["regressions<=3", false],
    ]);
    expect(() => parseGate("accuracy=>0.9")).toThrow(/"accuracy=>0.9" is not <metric><op><number>/);
    expect(() => checkGate(parseGate("acuracy>=0.9"), { accuracy: 1 })).toThrow(
      /no metric acuracy.*metrics: accuracy/,
    );
  });
});
