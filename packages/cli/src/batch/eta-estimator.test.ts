import { describe, expect, it } from "vitest";
import { EtaEstimator } from "./eta-estimator.ts";

describe("EtaEstimator", () => {
  it("estimates the time left from the throughput so far", () => {
    const eta = new EtaEstimator();
    expect(eta.update(0, 100, 0)).toBeUndefined();
    expect(eta.update(10, 100, 1000)).toBeCloseTo(9000);
  });

  it("moves gradually when the throughput jumps, instead of following each burst", () => {
    const eta = new EtaEstimator({ smoothingMs: 10_000 });
    eta.update(0, 1000, 0);
    for (let s = 1; s <= 10; s++) eta.update(s * 10, 1000, s * 1000); // 10 items/s
    const steady = eta.update(100, 1000, 10_000) ?? 0;
    expect(steady).toBeCloseTo(90_000, -2);
    // One second at 100 items/s: a raw rate would say 800 / 100 = 8 s left.
    const afterBurst = eta.update(200, 1000, 11_000) ?? 0;
    expect(afterBurst).toBeGreaterThan(30_000);
    expect(afterBurst).toBeLessThan(steady);
  });
});
