import { describe, expect, it } from "vitest";
import { displayWidth } from "./display-width.ts";
import { table } from "./table.ts";

describe("table", () => {
  it("lines up columns whose cells are Chinese, accented with combining marks, or emoji", () => {
    const text = table([
      ["LABEL", "COUNT"],
      ["价格", "3"],
      ["Ru\u0308ckgabe", "2"],
      ["order status", "1"],
      ["📦 shipping", "1"],
    ]);
    const lines = text.trimEnd().split("\n");
    // The second column starts at the same terminal column on every line.
    const starts = lines.map((line) => displayWidth(line.slice(0, line.lastIndexOf(" ") + 1)));
    expect(new Set(starts)).toEqual(new Set([14]));
    expect(lines[1]).toBe(`价格${" ".repeat(10)}3`);
  });

  it("measures a wide character as two columns and a combining mark as none", () => {
    expect(displayWidth("价格")).toBe(4);
    expect(displayWidth("Ru\u0308ckgabe")).toBe(8);
    expect(displayWidth("カード")).toBe(6);
    expect(displayWidth("plain")).toBe(5);
  });
});
