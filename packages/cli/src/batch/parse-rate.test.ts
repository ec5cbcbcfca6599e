import { describe, expect, it } from "vitest";
import { CliError } from "../cli-error.ts";
import { parseRate } from "./parse-rate.ts";

describe("parseRate", () => {
  it("reads per second and per minute", () => {
    expect(parseRate("10/s")).toEqual({ perSecond: 10 });
    expect(parseRate("600/m")).toEqual({ perMinute: 600 });
    expect(parseRate(" 5 / min ")).toEqual({ perMinute: 5 });
  });

  it("rejects anything else as a usage error", () => {
    for (const bad of ["fast", "0/s", "1.5/s", "10", "10/h"]) expect(() => parseRate(bad)).toThrow(CliError);
  });
});
