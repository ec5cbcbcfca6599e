import { describe, expect, it } from "vitest";
import { fnv1a32, mix32 } from "./fnv1a.ts";
import { seededRandom, shuffleInPlace } from "./seeded-random.ts";

describe("stable hashing and seeded randomness", () => {
  it("hashes like FNV-1a on every machine", () => {
    // Reference values of 32-bit FNV-1a for ASCII input (one code unit per byte).
    expect(fnv1a32("")).toBe(0x811c9dc5);
    expect(fnv1a32("a")).toBe(0xe40c292c);
    expect(fnv1a32("foobar")).toBe(0xbf9cf968);
    expect(mix32(0)).toBe(0);
    expect(mix32(1)).toBe(mix32(1));
  });

  it("draws the same sequence for the same seed, another for another seed", () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(xs);
    expect(Array.from({ length: 5 }, seededRandom(43))).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(shuffleInPlace([1, 2, 3, 4, 5, 6], seededRandom(1))).toEqual(
      shuffleInPlace([1, 2, 3, 4, 5, 6], seededRandom(1)),
    );
  });
});
