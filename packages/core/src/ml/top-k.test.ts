import { describe, expect, it } from "vitest";
import { seededRandom } from "./seeded-random.ts";
import { TopK } from "./top-k.ts";

describe("TopK", () => {
  it("keeps the k best of a stream, like a full sort would, ties to the earlier item", () => {
    const random = seededRandom(2);
    const scores = Array.from({ length: 500 }, () => Math.round(random() * 50) / 50);
    for (const k of [1, 3, 10, 499, 600]) {
      const top = new TopK(k);
      for (const [i, s] of scores.entries()) top.push(s, i);
      const expected = scores
        .map((s, i) => [s, i] as [number, number])
        .sort((a, b) => b[0] - a[0] || a[1] - b[1])
        .slice(0, k);
      expect(top.sorted()).toEqual(expected);
    }
  });
});
