import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ArtifactError } from "../errors/ml-errors.ts";
import { seededRandom } from "./seeded-random.ts";
import { VectorIndex } from "./vector-index.ts";

const random = seededRandom(11);
const gaussian = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());

/** Clustered vectors, like embeddings of labelled examples: 20 centres, noise around each. */
function clustered(n: number, dimension: number): number[][] {
  const centres = Array.from({ length: 20 }, () => Array.from({ length: dimension }, gaussian));
  return Array.from({ length: n }, (_, i) => (centres[i % 20] as number[]).map((c) => c + 0.9 * gaussian()));
}

function exactTop(vectors: number[][], query: number[], k: number): number[] {
  const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  const q = norm(query);
  return vectors
    .map((v, i) => [v.reduce((s, x, j) => s + x * (query[j] as number), 0) / (norm(v) * q), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, k)
    .map(([, i]) => i);
}

const dimension = 45; // not a multiple of 16: exercises the padding
const vectors = clustered(603, dimension);
const queries = clustered(40, dimension);

function build(precision: "float32" | "int8" = "float32", rerank?: number): VectorIndex {
  const index = new VectorIndex({ dimension, precision, ...(rerank === undefined ? {} : { rerank }) });
  index.add(vectors.map((v, i) => ({ id: `v${i}`, vector: v, label: `c${i % 20}`, metadata: { n: i } })));
  return index;
}

describe("VectorIndex", () => {
  it("finds exactly the k nearest vectors by cosine similarity, best first", () => {
    const index = build();
    for (const q of queries.slice(0, 10)) {
      const hits = index.search(q, 5);
      expect(hits.map((h) => h.id)).toEqual(exactTop(vectors, q, 5).map((i) => `v${i}`));
      expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a));
      expect(hits[0]?.label).toBe(`c${Number(hits[0]?.id.slice(1)) % 20}`);
      expect(hits[0]?.metadata).toEqual({ n: Number(hits[0]?.id.slice(1)) });
    }
  });

  it("gives the same answers for a batch as one query at a time", () => {
    const index = build();
    const batch = index.searchBatch(queries, 7);
    queries.forEach((q, i) => {
      const one = index.search(q, 7);
      expect(batch[i]?.map((h) => h.id)).toEqual(one.map((h) => h.id));
      for (const [j, h] of (batch[i] ?? []).entries()) expect(h.score).toBeCloseTo(one[j]?.score ?? 0, 5);
    });
  });

  it("int8 codes keep recall@10 against exact search (≥ 0.95 raw, 1.0 with exact re-ranking)", () => {
    const recall = (index: VectorIndex) => {
      let hits = 0;
      for (const q of queries) {
        const exact = new Set(exactTop(vectors, q, 10));
        for (const h of index.search(q, 10)) if (exact.has(Number(h.id.slice(1)))) hits++;
      }
      return hits / (queries.length * 10);
    };
    expect(recall(build("int8", 0))).toBeGreaterThanOrEqual(0.95);
    expect(recall(build("int8"))).toBe(1);
  });

  it("adds, replaces and removes by id, keeping the rest searchable", () => {
    const index = build();
    const target = vectors[10] as number[];
    expect(index.search(target, 1)[0]?.id).toBe("v10");
    index.remove(["v10", "missing"]);
    expect(index.size).toBe(602);
    expect(index.has("v10")).toBe(false);
    expect(index.search(target, 1)[0]?.id).not.toBe("v10");
    // The row that moved into the hole is still found, with its label and metadata.
    const last = vectors[602] as number[];
    expect(index.search(last, 1)[0]).toMatchObject({ id: "v602", label: "c2", metadata: { n: 602 } });
    index.add([{ id: "v11", vector: target, label: "moved" }]);
    expect(index.size).toBe(602);
    expect(index.search(target, 1)[0]).toMatchObject({ id: "v11", label: "moved" });
  });

  it("filters candidates and returns fewer than k when the index is small", () => {
    const index = build();
    const hits = index.search(queries[0] as number[], 5, { filter: (e) => e.label === "c3" });
    expect(hits).toHaveLength(5);
    expect(hits.every((h) => h.label === "c3")).toBe(true);
    const small = new VectorIndex({ dimension: 2 });
    small.add([{ id: "a", vector: [1, 0] }]);
    expect(small.search([1, 1], 3)).toEqual([
      { id: "a", label: null, score: expect.closeTo(Math.SQRT1_2, 6) },
    ]);
    expect(() => small.search([1, 2, 3], 1)).toThrow(/3 dimensions, the index has 2/);
  });

  it("saves and loads with the same content hash and results; detects corruption", () => {
    const index = build("int8");
    const path = join(mkdtempSync(join(tmpdir(), "catena-index-")), "toy.index");
    const hash = index.save(path);
    expect(hash).toBe(index.contentHash);
    const loaded = VectorIndex.load(path);
    expect(loaded.contentHash).toBe(hash);
    expect(loaded.precision).toBe("int8");
    expect(loaded.searchBatch(queries, 5)).toEqual(index.searchBatch(queries, 5));
    index.remove(["v1"]);
    expect(index.contentHash).not.toBe(hash);
    const bytes = readFileSync(path);
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] ?? 0) ^ 0x01;
    writeFileSync(path, bytes);
    expect(() => VectorIndex.load(path)).toThrow(ArtifactError);
  });
});
