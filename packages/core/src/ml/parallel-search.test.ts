import { afterAll, describe, expect, it } from "vitest";
import { ParallelSearch } from "./parallel-search.ts";
import { seededRandom } from "./seeded-random.ts";
import { VectorIndex } from "./vector-index.ts";

const random = seededRandom(4);
const vector = (d: number) => Array.from({ length: d }, () => random() - 0.5);
const pools: ParallelSearch[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

describe("ParallelSearch", () => {
  it.each(["float32", "int8"] as const)(
    "gives the same %s results as a batch on the calling thread",
    async (precision) => {
      const index = new VectorIndex({ dimension: 40, precision });
      index.add(
        Array.from({ length: 300 }, (_, i) => ({ id: `v${i}`, vector: vector(40), label: `l${i % 3}` })),
      );
      const queries = Array.from({ length: 37 }, () => vector(40));
      const pool = await ParallelSearch.start(index, { threads: 2 });
      pools.push(pool);
      expect(await pool.searchBatch(queries, 6)).toEqual(index.searchBatch(queries, 6));
    },
  );

  it("follows the index when it grows into a new memory", async () => {
    const index = new VectorIndex({ dimension: 8 });
    index.add([{ id: "a", vector: vector(8) }]);
    const pool = await ParallelSearch.start(index, { threads: 2 });
    pools.push(pool);
    const q = vector(8);
    expect((await pool.searchBatch([q], 1))[0]?.[0]?.id).toBe("a");
    index.add(Array.from({ length: 500 }, (_, i) => ({ id: `n${i}`, vector: vector(8) })));
    index.add([{ id: "best", vector: q }]);
    const [hits] = await pool.searchBatch([q, q, q], 2);
    expect(hits?.[0]).toMatchObject({ id: "best", score: expect.closeTo(1, 5) });
    expect(await pool.searchBatch([q], 3)).toEqual(index.searchBatch([q], 3));
  });
});
