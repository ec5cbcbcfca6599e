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

describe("pickThreshold with weights and a precision bound", () => {
  // 30 sure right answers, then at 0.5 one wrong answer among 9 right ones.
  const answers = [
    ...Array.from({ length: 30 }, (_, i) => a(0.9 + i / 1000, true)),
    ...Array.from({ length: 9 }, () => a(0.5, true)),
    a(0.5, false),
  ];

  it("counts an item by its weight", () => {
    expect(pickThreshold(answers, 0.97).threshold).toBe(0.5); // 39/40 = 97.5%
    const heavy = answers.map((x) => (x.correct ? x : { ...x, weight: 3 }));
    // 39 / 42 = 92.9%: the wrong answer weighs three, so 0.5 is refused.
    expect(pickThreshold(heavy, 0.97).threshold).toBe(0.9);
    expect(
      pickThreshold(
        answers.map((x) => ({ ...x, weight: 0 })),
        0.5,
      ).threshold,
    ).toBeNull();
  });

  it("with a bound, needs the lower confidence bound, not the share, to reach the target", () => {
    // 39/40 right is 97.5%, but 40 items do not show 97% with 80% confidence; 30 of 30 do.
    expect(pickThreshold(answers, 0.97, { precisionBound: 0.8 })).toEqual({
      threshold: 0.9,
      accepted: 30,
      correct: 30,
    });
    expect(pickThreshold(answers, 0.97, { precisionBound: 0.95 }).threshold).toBeNull();
    expect(pickThreshold(answers, 0.9, { precisionBound: 0.8 })).toEqual({
      threshold: 0.5,
      accepted: 40,
      correct: 39,
    });
    expect(pickThreshold(answers, 0.97, 41).threshold).toBeNull();
  });
});
