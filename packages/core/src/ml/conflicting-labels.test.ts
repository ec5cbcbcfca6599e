import { describe, expect, it } from "vitest";
import { conflictingLabels, conflictingLabelsWarning } from "./conflicting-labels.ts";

describe("conflictingLabels", () => {
  it("finds texts given two labels (case and spaces aside), not texts repeated with one", () => {
    const rows = [
      { text: "my card has not arrived", label: "card_arrival", line: 2 },
      { text: "hello", label: "greeting", line: 3 },
      { text: "My card has not arrived ", label: "lost_or_stolen_card", line: 4 },
      { text: "hello", label: "greeting", line: 5 },
    ];
    const found = conflictingLabels(rows);
    expect(found).toEqual([
      {
        text: "my card has not arrived",
        copies: [
          { label: "card_arrival", line: 2, index: 0 },
          { label: "lost_or_stolen_card", line: 4, index: 2 },
        ],
      },
    ]);
    expect(conflictingLabelsWarning("train.csv", found)).toBe(
      'train.csv: 1 text appears with different labels: "my card has not arrived" (line 2 card_arrival, line 4 lost_or_stolen_card). Keep one label per text: a model cannot learn both, and they count as mistakes whatever it answers.',
    );
    expect(conflictingLabelsWarning("train.csv", conflictingLabels(rows.slice(1)))).toBeUndefined();
  });
});
