// kNN search: 10,000 × 384 vectors (Banking77 texts embedded by the built-in LocalEmbedder),
// 1,000 top-10 queries, LangChain's MemoryVectorStore against Catena's VectorIndex in one run.
//
//   node --conditions=@catena/source bench/ml/knn.bench.ts [--rounds=5] [--queries=1000] [--vectors=10000]
//
// Every implementation answers the same queries; its results are checked against exact search
// (recall@10). Rounds interleave the implementations; the table shows the median round.

import { LocalEmbedder, ParallelSearch, seededRandom, VectorIndex } from "@catena/core/ml";
import { TopK } from "../../packages/core/src/ml/top-k.ts";
import { fmt, langchainTracingOff, machineNotes, markdownTable, median, numberArg } from "../lib/report.ts";
import { banking77 } from "./banking77.ts";
import { memoryBandwidthGBs } from "./memory-bandwidth.ts";

langchainTracingOff();
const { MemoryVectorStore } = await import("@langchain/classic/vectorstores/memory");
const { Document } = await import("@langchain/core/documents");

const ROUNDS = numberArg("rounds", 5);
const QUERIES = numberArg("queries", 1000);
const VECTORS = numberArg("vectors", 10_000);
const K = 10;
const D = 384;

const { all } = banking77();
const embedder = LocalEmbedder.fit(
  all.map((e) => e.text),
  { dimension: D },
);
const corpus = all.slice(0, VECTORS);
const vectors = corpus.map((e) => Array.from(embedder.embed(e.text)));
const random = seededRandom(5);
const queries = Array.from({ length: QUERIES }, () =>
  Array.from(embedder.embed((all[Math.floor(random() * all.length)] as { text: string }).text)),
);

// Exact reference: float64 dot products (vectors are unit length), full sort.
const exact = queries.map((q) =>
  vectors
    .map((v, i) => [v.reduce((s, x, j) => s + x * (q[j] as number), 0), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, K)
    .map(([, i]) => i),
);

interface Impl {
  name: string;
  /** Bytes of stored vectors read per query (the whole index per pass, shared by a block). */
  bytesPerQuery: number;
  search: () => Promise<number[][]>;
}

const store = new MemoryVectorStore(embedder);
await store.addVectors(
  vectors,
  corpus.map((e, i) => new Document({ pageContent: e.text, metadata: { i, label: e.label } })),
);
const f32 = new VectorIndex({ dimension: D });
const i8 = new VectorIndex({ dimension: D, precision: "int8" });
const i8raw = new VectorIndex({ dimension: D, precision: "int8", rerank: 0 });
for (const index of [f32, i8, i8raw])
  index.add(corpus.map((e, i) => ({ id: String(i), vector: vectors[i] as number[], label: e.label })));
const threads = 2;
const poolF32 = await ParallelSearch.start(f32, { threads });
const poolI8 = await ParallelSearch.start(i8, { threads });
const flatVectors = new Float32Array(VECTORS * D);
for (const [i, v] of vectors.entries()) flatVectors.set(v, i * D);

const f32Bytes = VECTORS * D * 4;
const i8Bytes = VECTORS * D;
const ids = (hits: Array<{ id: string }>) => hits.map((h) => Number(h.id));
const impls: Impl[] = [
  {
    name: "LangChain MemoryVectorStore",
    bytesPerQuery: f32Bytes * 2, // number[] rows are float64
    search: async () => {
      const out: number[][] = [];
      for (const q of queries)
        out.push((await store.similaritySearchVectorWithScore(q, K)).map(([d]) => d.metadata.i as number));
      return out;
    },
  },
  {
    name: "plain Float32Array loop + heap, 1 query at a time",
    bytesPerQuery: f32Bytes,
    search: async () => queries.map((q) => plainScan(q)),
  },
  {
    name: "VectorIndex float32, 1 query at a time",
    bytesPerQuery: f32Bytes,
    search: async () => queries.map((q) => ids(f32.search(q, K))),
  },
  {
    name: "VectorIndex float32, batched (8/pass)",
    bytesPerQuery: f32Bytes / 8,
    search: async () => f32.searchBatch(queries, K).map(ids),
  },
  {
    name: "VectorIndex int8, 1 query at a time",
    bytesPerQuery: i8Bytes,
    search: async () => queries.map((q) => ids(i8.search(q, K))),
  },
  {
    name: "VectorIndex int8, batched (4/pass)",
    bytesPerQuery: i8Bytes / 4,
    search: async () => i8.searchBatch(queries, K).map(ids),
  },
  {
    name: "VectorIndex int8, batched, no exact re-rank",
    bytesPerQuery: i8Bytes / 4,
    search: async () => i8raw.searchBatch(queries, K).map(ids),
  },
  {
    name: `ParallelSearch float32, ${threads} threads`,
    bytesPerQuery: f32Bytes / 8,
    search: async () => (await poolF32.searchBatch(queries, K)).map(ids),
  },
  {
    name: `ParallelSearch int8, ${threads} threads`,
    bytesPerQuery: i8Bytes / 4,
    search: async () => (await poolI8.searchBatch(queries, K)).map(ids),
  },
];

function plainScan(q: number[]): number[] {
  const query = Float32Array.from(q);
  const top = new TopK(K);
  for (let i = 0; i < VECTORS; i++) {
    let s = 0;
    const base = i * D;
    for (let j = 0; j < D; j++) s += (flatVectors[base + j] as number) * (query[j] as number);
    top.push(s, i);
  }
  return top.sorted().map(([, i]) => i);
}

function recall(found: number[][]): number {
  let hits = 0;
  found.forEach((f, q) => {
    const want = new Set(exact[q]);
    for (const i of f.slice(0, K)) if (want.has(i)) hits++;
  });
  return hits / (found.length * K);
}

const times = new Map<string, number[]>(impls.map((i) => [i.name, []]));
const recalls = new Map<string, number>();
for (const impl of impls) recalls.set(impl.name, recall(await impl.search())); // warm-up + check
for (let round = 0; round < ROUNDS; round++) {
  const order = impls.map((_, i) => impls[(i + round) % impls.length] as Impl);
  for (const impl of order) {
    const t0 = performance.now();
    await impl.search();
    times.get(impl.name)?.push(performance.now() - t0);
  }
}
await poolF32.close();
await poolI8.close();
const dram = await memoryBandwidthGBs(512 * 2 ** 20);
// The index (14.6 MiB) fits in this CPU's L3 cache: its ceiling is the read bandwidth at its own size.
const bandwidth = await memoryBandwidthGBs(Math.ceil(f32Bytes / 64) * 64, 20);

const qps = (name: string) => (QUERIES / median(times.get(name) ?? [])) * 1000;
const base = qps(impls[0]?.name ?? "");
const rows = impls.map((impl) => {
  const q = qps(impl.name);
  const gbs = (q * impl.bytesPerQuery) / 1e9;
  return [
    impl.name,
    fmt(q, 0),
    `${fmt(q / base, 1)}×`,
    fmt(gbs, 1),
    `${fmt((100 * gbs) / bandwidth, 0)}%`,
    fmt(recalls.get(impl.name) ?? 0, 4),
  ];
});
console.log(
  `\n### kNN search: ${VECTORS.toLocaleString("en-US")} × ${D} vectors, ${QUERIES.toLocaleString("en-US")} top-${K} queries\n`,
);
console.log(machineNotes());
console.log(
  `single-thread read bandwidth (wasm SIMD sum, best pass): ${fmt(bandwidth, 1)} GB/s over a buffer the size of the float32 index (in L3), ${fmt(dram, 1)} GB/s over 512 MiB (DRAM)`,
);
console.log(`float32 index ${fmt(f32Bytes / 2 ** 20, 1)} MiB of vectors; rounds: ${ROUNDS}, median shown\n`);
console.log(
  markdownTable(
    [
      "implementation",
      "queries/s",
      "vs MemoryVectorStore",
      "GB/s of index read",
      "of read bandwidth",
      "recall@10",
    ],
    rows,
  ),
);
console.log(
  `\nmemory: VectorIndex float32 ${fmt(f32.memoryBytes / 2 ** 20, 1)} MiB, int8 ${fmt(i8.memoryBytes / 2 ** 20, 1)} MiB (vectors, codes, scratch, ids)`,
);
