import { describe, expect, it } from "vitest";
import { unknownLabelsWarning } from "./unknown-labels-warning.ts";

const item = (label: string, line: number) => ({ input: { text: `q${line}` }, label, line });

describe("unknownLabelsWarning", () => {
  it("counts the items with labels outside the set, names the labels by frequency, and the flag", () => {
    const items = [item("a", 1), item("new", 2), item("b", 3), item("newer", 4), item("new", 5)];
    expect(unknownLabelsWarning("held.csv", "banking-intents", items, ["a", "b"])).toBe(
      'held.csv: 3 items expect labels banking-intents does not know: "new" (2), "newer" (1); they count as misses (--strict-labels refuses such a file).',
    );
  });

  it("says nothing when every label is known or there is no label set", () => {
    expect(unknownLabelsWarning("d.csv", "c", [item("a", 1)], ["a"])).toBeUndefined();
    expect(unknownLabelsWarning("d.csv", "c", [item("zzz", 1)], undefined)).toBeUndefined();
  });
});
