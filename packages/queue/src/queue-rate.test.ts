import { describe, expect, it } from "vitest";
import { queueRate } from "./queue-rate.ts";

describe("queueRate", () => {
  it("spreads a per-minute limit over windows of about a second, never above the limit", () => {
    expect(queueRate({ perMinute: 600 })).toEqual({ max: 10, durationMs: 1000 });
    expect(queueRate({ perSecond: 5 })).toEqual({ max: 5, durationMs: 1000 });
    expect(queueRate({ perMinute: 7 })).toEqual({ max: 1, durationMs: 8572 });
    const { max, durationMs } = queueRate({ perMinute: 100 });
    expect((max * 60_000) / durationMs).toBeLessThanOrEqual(100);
  });
});
