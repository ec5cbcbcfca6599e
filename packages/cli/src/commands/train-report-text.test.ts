import type { TrainingReport } from "@catena/core/ml";
import { describe, expect, it } from "vitest";
import { calibrateCommand, trainReportText } from "./train-report-text.ts";

const report: TrainingReport = {
  examples: { train: 30, calibration: 0, dev: 0 },
  classes: 77,
  features: 1200,
  temperature: 1,
  calibrationNll: { before: 1, after: 1 },
  trainingMs: 1500,
};

describe("catena train's next step", () => {
  it("is a calibrate command a user can paste: the folder and the dev file quoted when they must be", () => {
    expect(calibrateCommand("banking-intents", "my artifacts", "dev's.csv")).toBe(
      "catena calibrate banking-intents --artifacts 'my artifacts' --data 'dev'\\''s.csv'",
    );
    expect(calibrateCommand("banking-intents", undefined, "data/dev.csv")).toBe(
      "catena calibrate banking-intents --data data/dev.csv",
    );
    expect(calibrateCommand("banking-intents", "out", undefined)).toBe(
      "catena calibrate banking-intents --artifacts out --data <labelled dev file>",
    );
  });

  it("is said in the report when train did not calibrate, and not when it did", () => {
    const next = "catena calibrate banking-intents --artifacts out --data dev.csv";
    const text = trainReportText("banking-intents", report, ["out/classifier.catena"], 3, { next });
    expect(text).toContain(`every item goes to the LLM tier until you calibrate them`);
    expect(text).toContain(`Next:\n  ${next}\n`);
    expect(trainReportText("banking-intents", report, ["out/classifier.catena"], 3)).not.toContain("Next:");
  });
});
