import { describe, expect, it } from "vitest";
import { CHAR_BLOCK, countNgrams, DEFAULT_NGRAMS, tokenize, WORD_BLOCK } from "./ngram-hasher.ts";
import { TfidfFeaturiser } from "./tfidf-featuriser.ts";

describe("hashed n-grams and TF-IDF", () => {
  it("cuts lower-cased words into word 1–2-grams and padded character 2–5-grams", () => {
    expect(tokenize("Where's my CARD?")).toEqual(["where", "s", "my", "card"]);
    const counts = new Map<number, number>();
    countNgrams("card card", DEFAULT_NGRAMS, counts);
    const blocks = [...counts.keys()].map((k) => k & 1);
    // words: "card" ×2, "card card" ×1; chars of " card " (6 long): 5 + 4 + 3 + 2 = 14 n-grams, each twice.
    expect(blocks.filter((b) => b === WORD_BLOCK)).toHaveLength(2);
    expect(blocks.filter((b) => b === CHAR_BLOCK)).toHaveLength(14);
    expect([...counts.values()].sort()).toEqual([1, ...Array(15).fill(2)]);
  });

  it("gives unit vectors, ignores unseen n-grams and fingerprints its fitted state", () => {
    const texts = ["my card is lost", "where is my card", "exchange rates today"];
    const f = TfidfFeaturiser.fit(texts);
    const v = f.transform("my lost card");
    const norm = Math.sqrt(v.values.reduce((s, x) => s + x * x, 0));
    expect(norm).toBeCloseTo(1, 5);
    expect(f.transform("zzz qqq").indices).toHaveLength(0);
    expect(TfidfFeaturiser.fit([...texts]).stateHash).toBe(f.stateHash);
    expect(TfidfFeaturiser.fit(texts, { minDf: 2 }).stateHash).not.toBe(f.stateHash);
    const { featuriser, vectors } = TfidfFeaturiser.fitTransform(texts);
    expect(featuriser.stateHash).toBe(f.stateHash);
    expect(vectors[0]).toEqual(f.transform(texts[0] as string));
  });
});
