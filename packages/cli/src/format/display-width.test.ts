import { describe, expect, it } from "vitest";
import { displayWidth, padToWidth } from "./display-width.ts";

describe("displayWidth", () => {
  it("counts two columns for emoji of every pictograph block", () => {
    // U+1F300–1F64F, U+1F680–1F6FF, U+1F900–1F9FF, U+1FA70–1FAFF, and one in the BMP.
    for (const emoji of ["🌀", "😀", "🚀", "🛟", "🤖", "🧾", "🫠", "🪿", "✅", "⌚"]) {
      expect(displayWidth(emoji), emoji).toBe(2);
    }
    expect(displayWidth("card 💳 lost")).toBe(12);
  });

  it("counts an emoji joined with zero-width joiners, a flag, a keycap and a skin tone as one picture", () => {
    expect(displayWidth("👨‍👩‍👧‍👦")).toBe(2);
    expect(displayWidth("🏳️‍🌈")).toBe(2);
    expect(displayWidth("🇫🇷")).toBe(2);
    expect(displayWidth("1️⃣")).toBe(2);
    expect(displayWidth("👍🏽")).toBe(2);
    expect(displayWidth("❤️ ok")).toBe(5);
  });

  it("keeps text-style symbols, accents and wide scripts as they were", () => {
    expect(displayWidth("❤")).toBe(1);
    expect(displayWidth("#1 ©")).toBe(4);
    expect(displayWidth("Ru\u0308ckgabe")).toBe(8);
    expect(displayWidth("价格 カード 가격")).toBe(16);
    expect(displayWidth("ＡＢ")).toBe(4);
    expect(displayWidth("a\u200bb")).toBe(2);
    expect(displayWidth("")).toBe(0);
  });

  it("pads by columns, so emoji rows line up", () => {
    expect(padToWidth("🚀", 4)).toBe("🚀  ");
    expect(padToWidth("👨‍👩‍👧", 3)).toBe("👨‍👩‍👧 ");
  });
});
