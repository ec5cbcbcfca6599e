import { describe, expect, it } from "vitest";
import { checkExamples } from "./labelled-example.ts";

describe("checkExamples", () => {
  const labels = ["card_arrival", "lost_or_stolen_card", "Rückgabe"];

  it("suggests the label a mistyped one was meant to be: case, spaces, hyphens, another Unicode form", () => {
    const examples = [
      { text: "where is my card", label: "card_arrival", line: 2 },
      { text: "where is my card", label: "CARD_ARRIVAL", line: 3 },
      { text: "I lost my card", label: " lost or stolen card", line: 4 },
      { text: "I lost my card", label: "lost-or-stolen-card", line: 5 },
      // "Rückgabe" with the ü as u + combining diaeresis (NFD), as some editors save it.
      { text: "zurückschicken", label: "Ru\u0308ckgabe", line: 6 },
      { text: "bitcoin?", label: "crypto", line: 7 },
    ];
    expect(() => checkExamples(examples, { labels, minPerClass: 1, source: "dev.csv" })).toThrow(
      'dev.csv: 5 examples have labels outside the allowed set: "CARD_ARRIVAL" (line 3, did you mean "card_arrival"?), " lost or stolen card" (line 4, did you mean "lost_or_stolen_card"?), "lost-or-stolen-card" (line 5, did you mean "lost_or_stolen_card"?), "Ru\u0308ckgabe" (line 6, did you mean "Rückgabe"?), "crypto" (line 7). Fix the labels or add them to the label set.',
    );
  });

  it("suggests nothing when two allowed labels differ only in case", () => {
    expect(() =>
      checkExamples([{ text: "a", label: "yes" }], { labels: ["Yes", "YES"], minPerClass: 1 }),
    ).toThrow('"yes" (example 0). Fix');
  });
});
