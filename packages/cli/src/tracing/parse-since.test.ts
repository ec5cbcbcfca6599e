import { describe, expect, it } from "vitest";
import { parseSince } from "./parse-since.ts";

const now = Date.parse("2026-06-15T12:00:00.000Z");

describe("parseSince", () => {
  it("reads spans back from now, and dates", () => {
    expect(parseSince("1h", now).toISOString()).toBe("2026-06-15T11:00:00.000Z");
    expect(parseSince("1.5d", now).toISOString()).toBe("2026-06-14T00:00:00.000Z");
    expect(parseSince("2026-05-01", now).toISOString()).toBe("2026-05-01T00:00:00.000Z");
  });

  it("takes a span reaching before 1970 as 'from the start', not as a date the backend refuses", () => {
    expect(parseSince("100000000d", now).toISOString()).toBe("1970-01-01T00:00:00.000Z");
  });

  it("refuses a date that does not exist instead of rolling it into the next month", () => {
    expect(() => parseSince("2026-02-30", now)).toThrow(/--since must be .* \(got "2026-02-30"\)/);
    expect(() => parseSince("2026-13-45", now)).toThrow(/--since must be/);
  });
});
