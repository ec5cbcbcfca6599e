import { describe, expect, it } from "vitest";
import { parseStopAfterFailures } from "./parse-stop-after-failures.ts";

describe("parseStopAfterFailures", () => {
  it("takes a whole number >= 1, or never/off", () => {
    expect(parseStopAfterFailures("5")).toBe(5);
    expect(parseStopAfterFailures(" 1 ")).toBe(1);
    expect(parseStopAfterFailures("never")).toBe(false);
    expect(parseStopAfterFailures("OFF")).toBe(false);
  });

  it("refuses anything else, naming the option and the value", () => {
    for (const bad of ["0", "-1", "2.5", "", "five", "1e3"]) {
      expect(() => parseStopAfterFailures(bad)).toThrow(
        `--stop-after-failures must be a whole number >= 1, or never to keep going whatever fails, got ${JSON.stringify(bad)}.`,
      );
    }
  });
});
