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
