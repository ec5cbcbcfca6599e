import { describe, expect, it } from "vitest";
import { timeLabels } from "./time-labels.ts";

describe("timeLabels", () => {
  it("shows minutes when they tell the times apart", () => {
    expect(timeLabels(["2026-12-06T18:11:00.000Z", "2026-12-06T19:40:30.000Z"])).toEqual([
      "2026-12-06 18:11",
      "2026-12-06 19:40",
    ]);
  });

  it("shows seconds, then milliseconds, for slices shorter than a minute (a batch of a few seconds)", () => {
    expect(
      timeLabels(["2026-12-06T18:11:02.100Z", "2026-12-06T18:11:03.900Z", "2026-12-06T18:11:05.700Z"]),
    ).toEqual(["2026-12-06 18:11:02", "2026-12-06 18:11:03", "2026-12-06 18:11:05"]);
    expect(timeLabels(["2026-12-06T18:11:02.100Z", "2026-12-06T18:11:02.600Z"])).toEqual([
      "2026-12-06 18:11:02.100",
      "2026-12-06 18:11:02.600",
    ]);
  });
});
