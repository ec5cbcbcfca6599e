import { describe, expect, it } from "vitest";
import { pickThreshold } from "./pick-threshold.ts";

const a = (confidence: number, correct: boolean, answered = true) => ({ confidence, correct, answered });

describe("pickThreshold", () => {
  it("accepts or refuses equal confidences together", () => {
    // At 0.8 there are one right and one wrong answer: taking either means taking both (2/3).
    const answers = [a(0.9, true), a(0.8, true), a(0.8, false), a(0.7, true)];
    expect(pickThreshold(answers, 0.9)).toEqual({ threshold: 0.9, accepted: 1, correct: 1 });
    expect(pickThreshold(answers, 0.6)).toEqual({ threshold: 0.7, accepted: 4, correct: 3 });
  });

  it("never accepts unanswered items or zero confidence, and honours minAccepted", () => {
    expect(pickThreshold([a(0, true), a(0.5, false, false)], 0.5).threshold).toBeNull();
    expect(pickThreshold([a(0.9, true), a(0.8, true)], 1, 3).threshold).toBeNull();
  });
});
