import { describe, expect, it } from "vitest";
import { evaluateLabels } from "./classification-report.ts";

describe("evaluateLabels", () => {
  it("scores accuracy, per-class F1 (worst first) and the most confused pairs", () => {
    const truth = ["a", "a", "a", "b", "b", "c"];
    const predicted = ["a", "b", "b", "b", null, "a"];
    const r = evaluateLabels(truth, predicted);
    expect(r.accuracy).toBeCloseTo(2 / 6, 10);
    expect(r.perClass.map((c) => c.label)).toEqual(["c", "a", "b"]);
    expect(r.perClass.find((c) => c.label === "b")).toMatchObject({
      precision: 1 / 3,
      recall: 1 / 2,
      support: 2,
    });
    expect(r.confusions).toEqual([
      { truth: "a", predicted: "b", count: 2 },
      { truth: "c", predicted: "a", count: 1 },
    ]);
    expect(() => evaluateLabels(["a"], [])).toThrow(/1 true labels but 0 predictions/);
  });
});
