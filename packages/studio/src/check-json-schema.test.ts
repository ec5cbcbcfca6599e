import { describe, expect, it } from "vitest";
import { checkJsonSchema } from "./check-json-schema.ts";

const intents = Array.from({ length: 74 }, (_, i) => `intent_${String(i).padStart(2, "0")}`);
const schema = {
  type: "object",
  properties: {
    label: { type: "string", enum: ["card_arrival", "card_linking", "card_about_to_expire", ...intents] },
  },
};

describe("checkJsonSchema on a value outside a long enum", () => {
  it("suggests the closest label and lists a few, not all 77", () => {
    const [problem] = checkJsonSchema({ label: "card_arival" }, schema);
    expect(problem).toBe(
      '$.label must be one of the 77 allowed values, and "card_arival" is not. Did you mean "card_arrival"? Closest: "card_arrival", "card_linking", "intent_00".',
    );
    expect(problem).not.toContain("intent_73");
  });

  it("gives no guess when nothing is near, and lists a short enum in full", () => {
    expect(checkJsonSchema({ label: "refund please" }, schema)[0]).not.toContain("Did you mean");
    expect(checkJsonSchema("x", { enum: ["a", "b"] })).toEqual(['$ must be one of "a", "b"']);
  });
});

describe("checkJsonSchema on a huge value outside an enum (a correction can be 32 MB)", () => {
  it("refuses a value far longer than every label at once, saying how long it is, without ranking it", () => {
    const huge = "a".repeat(1_000_000);
    const started = performance.now();
    const [problem] = checkJsonSchema({ label: huge }, schema);
    const took = performance.now() - started;
    expect(problem).toBe(
      `$.label must be one of the 77 allowed values, and "${"a".repeat(40)}…" (1000000 characters) is not: the longest allowed value has 20 characters.`,
    );
    // The full edit distance against 77 labels took 13.8 s here.
    expect(took).toBeLessThan(500);
  });

  it("compares only the first 100 characters when the allowed values are long too", () => {
    const paragraphs = Array.from(
      { length: 77 },
      (_, i) => `${String(i).padStart(2, "0")} ${"x".repeat(5_000)}`,
    );
    const started = performance.now();
    const [problem] = checkJsonSchema(`00 ${"x".repeat(8_000)}`, { enum: paragraphs });
    const took = performance.now() - started;
    expect(problem).toMatch(
      /^\$ must be one of the 77 allowed values, and "00 x{37}…" \(8003 characters\) is not\./,
    );
    expect(problem).toContain(`Did you mean "00 ${"x".repeat(5_000)}"?`);
    // Without the cut: 77 × 8,003 × 5,003 cells, minutes.
    expect(took).toBeLessThan(500);
  });

  it("still ranks a value somewhat longer than the labels", () => {
    expect(checkJsonSchema({ label: "card_arrival please" }, schema)[0]).toContain(
      'Closest: "card_arrival", "card_linking"',
    );
  });
});
