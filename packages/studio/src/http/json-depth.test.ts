import { describe, expect, it } from "vitest";
import { assertJsonDepth, JsonTooDeepError, jsonDepth, MAX_JSON_DEPTH } from "./json-depth.ts";

describe("jsonDepth", () => {
  it("counts nesting levels, scalars being 0", () => {
    expect(jsonDepth(1)).toBe(0);
    expect(jsonDepth(null)).toBe(0);
    expect(jsonDepth({})).toBe(1);
    expect(jsonDepth({ a: [1, { b: [] }] })).toBe(4);
    expect(jsonDepth([[], [[[]]], {}])).toBe(4);
  });

  it("walks a million levels without overflowing the stack, and stops early when told", () => {
    const text = `${"[".repeat(1_000_000)}${"]".repeat(1_000_000)}`;
    const value: unknown = JSON.parse(text);
    expect(jsonDepth(value)).toBe(1_000_000);
    expect(jsonDepth(value, MAX_JSON_DEPTH)).toBe(MAX_JSON_DEPTH + 1);
  });

  it("throws a 422 that names the place, the limit and the run", () => {
    let deep: unknown = 1;
    for (let i = 0; i < MAX_JSON_DEPTH; i++) deep = { a: deep };
    expect(() => assertJsonDepth(deep, "inputs")).not.toThrow();
    const error = (() => {
      try {
        assertJsonDepth({ a: deep }, '"inputs" of run r1', MAX_JSON_DEPTH, "r1");
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(JsonTooDeepError);
    expect(error).toMatchObject({ status: 422, code: "json-too-deep", runId: "r1" });
    expect((error as Error).message).toMatch(/"inputs" of run r1 nests deeper than 100 levels/);
  });
});

describe("assertJsonDepth", () => {
  it("accepts exactly the limit and refuses one level more, for arrays and objects alike", () => {
    for (const wrap of [(v: unknown) => [v], (v: unknown) => ({ k: v })]) {
      let value: unknown = 1;
      for (let i = 0; i < 5; i++) value = wrap(value);
      expect(() => assertJsonDepth(value, "x", 5)).not.toThrow();
      expect(() => assertJsonDepth(wrap(value), "x", 5)).toThrow(JsonTooDeepError);
      expect(() => assertJsonDepth([1, "a", null, {}, wrap(value)], "x", 5)).toThrow(JsonTooDeepError);
    }
  });

  it("checks a million levels without overflowing the stack", () => {
    const value: unknown = JSON.parse(`${"[".repeat(1_000_000)}${"]".repeat(1_000_000)}`);
    expect(() => assertJsonDepth(value, "x")).toThrow(JsonTooDeepError);
  });
});
