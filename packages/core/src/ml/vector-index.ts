import type { Neighbour, VectorSearch } from "../steps/step-kinds.ts";
import type { JsonValue } from "../types.ts";
import {
  type ArtifactContents,
  artifactHash,
  type LoadedArtifact,
  readArtifactFile,
  writeArtifactFile,
} from "./artifact-file.ts";
import { normaliseInto, type ScanLayout, type ScanScratch, scanBlocks, scratchBytes } from "./block-scan.ts";
import {
  type DotKernelExports,
  instantiateDotKernels,
  ROW_MULTIPLE,
  sharedMemory,
} from "./wasm/dot-kernels.ts";
import type { WasmMemory } from "./wasm/wasm-runtime.ts";

/** Options of a {@link VectorIndex}. */
export interface VectorIndexOptions {
  dimension: number;
  /**
   * `"float32"` (default): exact scores. `"int8"`: the scan reads int8 codes (4× fewer bytes, about
   * twice the queries per second), then the best `rerank × k` candidates are re-scored exactly.
   */
  precision?: "float32" | "int8";
  /** With int8: candidates re-scored exactly per result (default 4; 0 returns the approximate scores). */
  rerank?: number;
}

/** A vector to add, with its id (unique; an existing id is replaced), label and metadata. */
export interface IndexedVector {
  id: string;
  vector: ArrayLike<number>;
  label?: string | null;
  metadata?: Record<string, JsonValue>;
}

/** Options of one search. */
export interface SearchOptions {
  /** Only vectors whose entry passes are returned. */
  filter?: (entry: {
    id: string;
    label: string | null;
    metadata: Record<string, JsonValue> | undefined;
  }) => boolean;
}

const ARTIFACT_KIND = "vector-index";

/**
 * A brute-force vector index over one contiguous block of L2-normalised vectors: top-k by dot
 * product (cosine similarity) with a bounded heap, queries scored in blocks by WebAssembly SIMD
 * kernels so that the vectors are read once per block, optional int8 codes, add/remove/replace by
 * id, a label and metadata per vector, and save/load with a content hash that fingerprints it.
 *
 * @example
 * const index = new VectorIndex({ dimension: 384 });
 * index.add([{ id: "q1", vector: v, label: "card_arrival" }]);
 * index.search(query, 10); // [{ id, label, score, metadata }, ...], best first
 */
export class VectorIndex implements VectorSearch {
  readonly dimension: number;
  readonly precision: "float32" | "int8";
  readonly rerank: number;
  /** Floats per stored row: the dimension padded to a multiple of 16 (a SIMD chunk of int8 lanes). */
  readonly stride: number;
  #ids: string[] = [];
  #labels: Array<string | null> = [];
  #metadata: Array<Record<string, JsonValue> | undefined> = [];
  readonly #rows = new Map<string, number>();
  #capacity = 0;
  #memory!: WasmMemory;
  #kernels!: DotKernelExports;
  /** Bumped whenever the memory is re-laid out, so that workers know to re-attach. */
  #generation = 0;
  #layout = { vectors: 0, codes: 0, scales: 0, scratch: [] as ScanScratch[] };
  #hash: string | undefined;

  constructor(options: VectorIndexOptions) {
    if (!Number.isInteger(options.dimension) || options.dimension < 1) {
      throw new RangeError(`VectorIndex: dimension must be a positive integer, got ${options.dimension}`);
    }
    this.dimension = options.dimension;
    this.precision = options.precision ?? "float32";
    this.rerank = options.rerank ?? 4;
    this.stride = Math.ceil(options.dimension / 16) * 16;
    this.#allocate(64);
  }

  /** Number of vectors. */
  get size(): number {
    return this.#ids.length;
  }

  /** Bytes held by the vectors, codes and scratch space (the WebAssembly memory), plus an estimate for ids. */
  get memoryBytes(): number {
    return this.#memory.buffer.byteLength + this.#ids.reduce((n, id) => n + 2 * id.length + 48, 0);
  }

  /** SHA-256 of the index's contents (vectors, ids, labels, metadata, precision), as saved. */
  get contentHash(): string {
    this.#hash ??= artifactHash(this.toArtifact());
    return this.#hash;
  }

  /** Whether a vector with this id is stored. */
  has(id: string): boolean {
    return this.#rows.has(id);
  }

  /** Adds vectors (normalised to unit length); a vector whose id is already stored replaces it. */
  add(items: readonly IndexedVector[]): void {
    // Checked before anything changes, so that a bad item leaves the index as it was.
    for (const item of items) {
      if (item.vector.length !== this.dimension) {
        throw new RangeError(
          `VectorIndex: vector "${item.id}" has ${item.vector.length} dimensions, the index has ${this.dimension}; embed it with the index's embedder`,
        );
      }
    }
    const needed = this.#ids.length + items.length;
    if (needed > this.#capacity)
      this.#allocate(Math.max(needed, Math.min(2 * this.#capacity, needed + 4096)));
    for (const item of items) {
      let row = this.#rows.get(item.id);
      if (row === undefined) {
        row = this.#ids.length;
        if (row + 1 > this.#capacity) this.#allocate(Math.max(64, this.#capacity * 2));
        this.#ids.push(item.id);
        this.#labels.push(item.label ?? null);
        this.#metadata.push(item.metadata);
        this.#rows.set(item.id, row);
      } else {
        this.#labels[row] = item.label ?? null;
        this.#metadata[row] = item.metadata;
      }
      this.#writeRow(row, item.vector);
    }
    this.#hash = undefined;
  }

  /** Removes vectors by id (the last row moves into each hole); returns how many were found. */
  remove(ids: readonly string[]): number {
    let removed = 0;
    const vectors = this.#vectors();
    for (const id of ids) {
      const row = this.#rows.get(id);
      if (row === undefined) continue;
      const last = this.#ids.length - 1;
      if (row !== last) {
        vectors.copyWithin(row * this.stride, last * this.stride, (last + 1) * this.stride);
        if (this.precision === "int8") {
          this.#codes().copyWithin(row * this.stride, last * this.stride, (last + 1) * this.stride);
          this.#scales()[row] = this.#scales()[last] as number;
        }
        const movedId = this.#ids[last] as string;
        this.#ids[row] = movedId;
        this.#labels[row] = this.#labels[last] ?? null;
        this.#metadata[row] = this.#metadata[last];
        this.#rows.set(movedId, row);
      }
      // The kernels scan whole groups of 4 rows: rows past the live ones must score 0.
      vectors.fill(0, last * this.stride, (last + 1) * this.stride);
      if (this.precision === "int8") {
        this.#codes().fill(0, last * this.stride, (last + 1) * this.stride);
        this.#scales()[last] = 0;
      }
      this.#ids.pop();
      this.#labels.pop();
      this.#metadata.pop();
      this.#rows.delete(id);
      removed++;
    }
    if (removed > 0) this.#hash = undefined;
    return removed;
  }

  /** The stored (unit-length) vector of an id, or undefined. */
  vectorOf(id: string): Float32Array | undefined {
    const row = this.#rows.get(id);
    if (row === undefined) return undefined;
    return this.#vectors().slice(row * this.stride, row * this.stride + this.dimension);
  }

  /** Ids in row order. */
  ids(): readonly string[] {
    return this.#ids;
  }

  /** The k most similar stored vectors to `vector` (cosine similarity), best first. */
  search(vector: ArrayLike<number>, k: number, options: SearchOptions = {}): Neighbour[] {
    return this.searchBatch([vector], k, options)[0] as Neighbour[];
  }

  /**
   * The k most similar vectors for each query; queries are scored in blocks (8 float32 or 4 int8
   * queries per pass over the stored vectors), which is several times faster than one at a time.
   * The block kernels add in another order than the single-query one, so float32 scores can differ
   * from `search`'s in the last bits (results are deterministic either way).
   */
  searchBatch(queries: readonly ArrayLike<number>[], k: number, options: SearchOptions = {}): Neighbour[][] {
    const n = this.#ids.length;
    const flat = new Float32Array(queries.length * this.dimension);
    queries.forEach((q, i) => {
      if (q.length !== this.dimension) {
        throw new RangeError(
          `VectorIndex: query ${i} has ${q.length} dimensions, the index has ${this.dimension}`,
        );
      }
      normaliseInto(flat, i * this.dimension, q, this.dimension);
    });
    if (n === 0 || k <= 0) return queries.map(() => []);
    const filter = options.filter;
    const found = scanBlocks(
      this.#kernels,
      this.#memory.buffer,
      this.scanLayout(),
      this.#layout.scratch[0] as ScanScratch,
      flat,
      0,
      queries.length,
      k,
      filter ? (row) => filter(this.#entry(row)) : undefined,
    );
    return found.map((hits) => hits.map(([score, row]) => this.#neighbour(row, score)));
  }

  /** @internal Where the rows are in the kernels' memory, for the scan (and search workers). */
  scanLayout(): ScanLayout {
    const { vectors, codes, scales } = this.#layout;
    return {
      vectors,
      codes,
      scales,
      n: this.#ids.length,
      dimension: this.dimension,
      stride: this.stride,
      precision: this.precision,
      rerank: this.rerank,
    };
  }

  /**
   * @internal The shared memory holding the rows, with scratch space for `threads` scanning threads
   * (re-laid out when more are needed: a memory given out earlier then no longer sees changes).
   */
  scanMemory(threads: number): { memory: WasmMemory; scratch: readonly ScanScratch[] } {
    if (this.#layout.scratch.length < threads) this.#allocate(this.#capacity, threads);
    return { memory: this.#memory, scratch: this.#layout.scratch };
  }

  /** @internal Changes whenever the rows move to a new memory (growth, more scratch). */
  get generation(): number {
    return this.#generation;
  }

  /** @internal Entries by row, for turning scanned rows into neighbours. */
  neighbourAt(row: number, score: number): Neighbour {
    return this.#neighbour(row, score);
  }

  /** The index as an artifact: vectors (unpadded, row order), ids, labels, metadata, precision. */
  toArtifact(): ArtifactContents {
    const n = this.#ids.length;
    const vectors = new Float32Array(n * this.dimension);
    const stored = this.#vectors();
    for (let i = 0; i < n; i++)
      vectors.set(stored.subarray(i * this.stride, i * this.stride + this.dimension), i * this.dimension);
    return {
      kind: ARTIFACT_KIND,
      version: 1,
      meta: {
        dimension: this.dimension,
        precision: this.precision,
        rerank: this.rerank,
        ids: this.#ids,
        labels: this.#labels,
        metadata: this.#metadata.map((m) => m ?? null),
      },
      sections: { vectors },
    };
  }

  /** Saves the index; returns its content hash. */
  save(path: string): string {
    return writeArtifactFile(path, this.toArtifact());
  }

  /** Loads an index saved with {@link VectorIndex.save}; throws `ArtifactError` when unusable. */
  static load(path: string): VectorIndex {
    return VectorIndex.fromArtifact(readArtifactFile(path, { kind: ARTIFACT_KIND, versions: [1] }));
  }

  /** Rebuilds an index from a decoded artifact. */
  static fromArtifact(artifact: LoadedArtifact): VectorIndex {
    const meta = artifact.meta as unknown as {
      dimension: number;
      precision: "float32" | "int8";
      rerank: number;
      ids: string[];
      labels: Array<string | null>;
      metadata: Array<Record<string, JsonValue> | null>;
    };
    const index = new VectorIndex({
      dimension: meta.dimension,
      precision: meta.precision,
      rerank: meta.rerank,
    });
    const vectors = artifact.sections.vectors as Float32Array;
    const d = meta.dimension;
    index.add(
      meta.ids.map((id, i) => ({
        id,
        vector: vectors.subarray(i * d, (i + 1) * d),
        label: meta.labels[i] ?? null,
        ...(meta.metadata[i] ? { metadata: meta.metadata[i] as Record<string, JsonValue> } : {}),
      })),
    );
    return index;
  }

  #entry(row: number) {
    return { id: this.#ids[row] as string, label: this.#labels[row] ?? null, metadata: this.#metadata[row] };
  }

  #neighbour(row: number, score: number): Neighbour {
    const metadata = this.#metadata[row];
    return {
      id: this.#ids[row] as string,
      label: this.#labels[row] ?? null,
      score,
      ...(metadata === undefined ? {} : { metadata }),
    };
  }

  #writeRow(row: number, vector: ArrayLike<number>): void {
    const vectors = this.#vectors();
    const at = row * this.stride;
    normaliseInto(vectors, at, vector, this.dimension);
    if (this.precision === "int8") {
      let max = 0;
      for (let j = 0; j < this.dimension; j++) max = Math.max(max, Math.abs(vectors[at + j] as number));
      const codes = this.#codes();
      const scale = max > 0 ? 127 / max : 0;
      for (let j = 0; j < this.dimension; j++)
        codes[at + j] = Math.round((vectors[at + j] as number) * scale);
      this.#scales()[row] = max > 0 ? max / 127 : 0;
    }
  }

  #vectors(): Float32Array {
    return new Float32Array(this.#memory.buffer, this.#layout.vectors, this.#capacity * this.stride);
  }

  #codes(): Int8Array {
    return new Int8Array(this.#memory.buffer, this.#layout.codes, this.#capacity * this.stride);
  }

  #scales(): Float32Array {
    return new Float32Array(this.#memory.buffer, this.#layout.scales, this.#capacity);
  }

  /** Lays out a new memory for `capacity` rows and `threads` scratch areas, and copies the live rows over. */
  #allocate(capacity: number, threads = Math.max(1, this.#layout.scratch.length)): void {
    const cap = Math.ceil(capacity / ROW_MULTIPLE) * ROW_MULTIPLE;
    const align = (x: number) => Math.ceil(x / 16) * 16;
    const vectors = 0;
    const codes = align(vectors + cap * this.stride * 4);
    const scales = align(codes + (this.precision === "int8" ? cap * this.stride : 0));
    let end = align(scales + cap * 4);
    const sizes = scratchBytes(cap, this.stride);
    const scratch: ScanScratch[] = [];
    for (let t = 0; t < threads; t++) {
      scratch.push({ queries: end, scores: align(end + sizes.queries) });
      end = align(end + sizes.queries) + align(sizes.scores);
    }
    const memory = sharedMemory(end);
    if (this.#capacity > 0) {
      const n = this.#ids.length * this.stride;
      new Float32Array(memory.buffer, vectors, n).set(this.#vectors().subarray(0, n));
      if (this.precision === "int8") {
        new Int8Array(memory.buffer, codes, n).set(this.#codes().subarray(0, n));
        new Float32Array(memory.buffer, scales, this.#ids.length).set(
          this.#scales().subarray(0, this.#ids.length),
        );
      }
    }
    this.#memory = memory;
    this.#generation++;
    this.#kernels = instantiateDotKernels(memory);
    this.#layout = { vectors, codes, scales, scratch };
    this.#capacity = cap;
  }
}
