import { describe, expect, it } from "vitest";
import { plural } from "./plural.ts";

describe("plural", () => {
  it("uses the singular for exactly one and the plural otherwise, zero included", () => {
    expect(plural(1, "example")).toBe("1 example");
    expect(plural(0, "example")).toBe("0 examples");
    expect(plural(2, "line is", "lines are")).toBe("2 lines are");
    expect(plural(1, "class has", "classes have")).toBe("1 class has");
  });
});
