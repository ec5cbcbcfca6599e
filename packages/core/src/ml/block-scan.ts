/*
 * The scan behind every index search, shared by the main thread and the search workers: pack a
 * block of queries, run a kernel over every stored row, keep the best rows per query with a bounded
 * heap, and (int8) re-score the candidates exactly. It sees rows and memory only, never ids.
 */
import { TopK } from "./top-k.ts";
import {
  type DotKernelExports,
  F32_BLOCK,
  I8_BLOCK,
  packF32Block,
  packI16Block,
  ROW_MULTIPLE,
} from "./wasm/dot-kernels.ts";

/** Where an index keeps its rows in the kernels' memory, and its shape. */
export interface ScanLayout {
  /** Byte offsets of the float32 rows, the int8 codes and their scales. */
  vectors: number;
  codes: number;
  scales: number;
  /** Live rows. */
  n: number;
  dimension: number;
  /** Floats per stored row (the dimension padded to 16). */
  stride: number;
  precision: "float32" | "int8";
  /** With int8: candidates per result re-scored exactly (0: keep the approximate scores). */
  rerank: number;
}

/** Scratch space of one thread in the kernels' memory: a packed query block and its scores. */
export interface ScanScratch {
  queries: number;
  scores: number;
}

/** Bytes of scratch one thread needs for an index of `capacity` rows and `stride` floats per row. */
export function scratchBytes(capacity: number, stride: number): { queries: number; scores: number } {
  return { queries: F32_BLOCK * stride * 4, scores: F32_BLOCK * capacity * 4 };
}

/**
 * The best `k` rows for queries `from..from+count` of `queries` (row-major, unit length), best
 * first, as [score, row] pairs; `accept` can refuse rows (a filter).
 */
export function scanBlocks(
  kernels: DotKernelExports,
  buffer: ArrayBufferLike,
  layout: ScanLayout,
  scratch: ScanScratch,
  queries: Float32Array,
  from: number,
  count: number,
  k: number,
  accept?: (row: number) => boolean,
): Array<Array<[number, number]>> {
  const { n, dimension, stride } = layout;
  const int8 = layout.precision === "int8";
  const exact = int8 && layout.rerank > 0;
  const keep = exact ? Math.min(n, k * layout.rerank) : k;
  const rows = Math.ceil(n / ROW_MULTIPLE) * ROW_MULTIPLE;
  const single = count === 1;
  const block = single ? 1 : int8 ? I8_BLOCK : F32_BLOCK;
  const scores = new Float32Array(buffer, scratch.scores, block * rows);
  const top = new TopK(keep);
  const exactTop = new TopK(k);
  const vectors = exact ? new Float32Array(buffer, layout.vectors, n * stride) : undefined;
  const out: Array<Array<[number, number]>> = [];
  for (let start = from; start < from + count; start += block) {
    const inBlock = Math.min(block, from + count - start);
    if (int8) {
      packI16Block(
        new Int16Array(buffer, scratch.queries, block * stride),
        queries,
        dimension,
        stride,
        start,
        inBlock,
        block,
      );
      const score = single ? kernels.scoreI8x1 : kernels.scoreI8x4;
      score(layout.codes, rows, stride, scratch.queries, layout.scales, scratch.scores);
    } else {
      packF32Block(
        new Float32Array(buffer, scratch.queries, block * stride),
        queries,
        dimension,
        stride,
        start,
        inBlock,
        block,
      );
      const score = single ? kernels.scoreF32x1 : kernels.scoreF32x8;
      score(layout.vectors, rows, stride * 4, scratch.queries, scratch.scores);
    }
    for (let b = 0; b < inBlock; b++) {
      top.clear();
      const base = b * rows;
      for (let i = 0; i < n; i++) {
        const s = scores[base + i] as number;
        if (s > top.threshold && (accept === undefined || accept(i))) top.push(s, i);
      }
      const found = top.sorted();
      out.push(vectors ? rescore(vectors, layout, found, queries, start + b, exactTop) : found);
    }
  }
  return out;
}

/** Exact float32 scores of int8 candidates, best k first (`top` is reused: cleared here). */
function rescore(
  vectors: Float32Array,
  layout: ScanLayout,
  found: Array<[number, number]>,
  queries: Float32Array,
  q: number,
  top: TopK,
): Array<[number, number]> {
  const { dimension, stride } = layout;
  const base = q * dimension;
  top.clear();
  for (const [, row] of found) {
    let s = 0;
    const r = row * stride;
    for (let j = 0; j < dimension; j++) s += (queries[base + j] as number) * (vectors[r + j] as number);
    top.push(Math.fround(s), row);
  }
  return top.sorted();
}

/** Writes `vector` scaled to unit length (zeros stay zeros) into `target` at `at`. */
export function normaliseInto(
  target: Float32Array,
  at: number,
  vector: ArrayLike<number>,
  dimension: number,
): void {
  let norm = 0;
  for (let j = 0; j < dimension; j++) norm += (vector[j] as number) * (vector[j] as number);
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let j = 0; j < dimension; j++) target[at + j] = (vector[j] as number) * scale;
}
