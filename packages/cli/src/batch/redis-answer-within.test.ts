import { describe, expect, it } from "vitest";
import { CliError } from "../cli-error.ts";
import { redisAnswerWithinMs } from "./redis-answer-within.ts";

describe("redisAnswerWithinMs (--redis-answer-within)", () => {
  it("reads seconds, fractions included, into milliseconds", () => {
    expect(redisAnswerWithinMs("5")).toBe(5000);
    expect(redisAnswerWithinMs("1.5")).toBe(1500);
    expect(redisAnswerWithinMs(" 30 ")).toBe(30_000);
  });

  it("refuses what is not a number of seconds, or is under 1 s, naming the option and the value", () => {
    for (const bad of ["", " ", "abc", "5s", "0", "0.5", "-3", "Infinity", "NaN"]) {
      expect(() => redisAnswerWithinMs(bad)).toThrow(CliError);
    }
    expect(() => redisAnswerWithinMs("0.5")).toThrow(
      '--redis-answer-within must be a number of seconds, 1 or more (how long a PING to a connected Redis may go unanswered before it counts as away), got "0.5".',
    );
  });
});
