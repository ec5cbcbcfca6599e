import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { Neighbour } from "../steps/step-kinds.ts";
import { normaliseInto } from "./block-scan.ts";
import type { SearchWorkerMessage } from "./search-worker.ts";
import type { VectorIndex } from "./vector-index.ts";

/** Options of {@link ParallelSearch.start}. */
export interface ParallelSearchOptions {
  /** Worker threads (default: the available CPUs). */
  threads?: number;
}

// Sources run as .ts (type stripping), the build as .js: the worker file has the same extension.
const WORKER_URL = new URL(
  `./search-worker${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`,
  import.meta.url,
);

/**
 * Batched searches of a {@link VectorIndex} on several worker threads that scan the index's shared
 * memory in place (no copy): each takes a contiguous share of the queries. Worth it for batches of
 * hundreds of queries; a single query is faster on the calling thread (`index.search`). Do not
 * change the index while a search is running. Close it when done, or the workers keep the process
 * alive.
 *
 * @example
 * const pool = await ParallelSearch.start(index, { threads: 2 });
 * const hits = await pool.searchBatch(queries, 10);
 * await pool.close();
 */
export class ParallelSearch {
  readonly index: VectorIndex;
  readonly threads: number;
  readonly #workers: Worker[];
  readonly #pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  #generation = -1;
  #next = 0;

  private constructor(index: VectorIndex, workers: Worker[]) {
    this.index = index;
    this.threads = workers.length;
    this.#workers = workers;
    for (const worker of workers) {
      worker.on("message", (m: { id: number; error?: string }) => {
        const p = this.#pending.get(m.id);
        this.#pending.delete(m.id);
        if (m.error) p?.reject(new Error(m.error));
        else p?.resolve();
      });
      worker.on("error", (e) => {
        for (const p of this.#pending.values()) p.reject(e);
        this.#pending.clear();
      });
    }
  }

  /** Starts the worker threads for an index. */
  static async start(index: VectorIndex, options: ParallelSearchOptions = {}): Promise<ParallelSearch> {
    const threads = Math.max(1, options.threads ?? availableParallelism());
    const workers = Array.from({ length: threads }, () => new Worker(WORKER_URL));
    await Promise.all(
      workers.map((w) => new Promise((resolve, reject) => w.once("online", resolve).once("error", reject))),
    );
    return new ParallelSearch(index, workers);
  }

  /** The k most similar vectors for each query, as `index.searchBatch` gives them. */
  async searchBatch(queries: readonly ArrayLike<number>[], k: number): Promise<Neighbour[][]> {
    const index = this.index;
    const d = index.dimension;
    const flat = new Float32Array(new SharedArrayBuffer(queries.length * d * 4));
    queries.forEach((q, i) => {
      if (q.length !== d)
        throw new RangeError(`ParallelSearch: query ${i} has ${q.length} dimensions, the index has ${d}`);
      normaliseInto(flat, i * d, q, d);
    });
    if (index.size === 0 || k <= 0 || queries.length === 0) return queries.map(() => []);
    this.#attach();
    const layout = index.scanLayout();
    const rows = new SharedArrayBuffer(queries.length * k * 4);
    const scores = new SharedArrayBuffer(queries.length * k * 4);
    // Shares rounded to whole blocks of 8 queries, so that no block is split between threads.
    const share = Math.ceil(queries.length / this.threads / 8) * 8;
    const jobs: Promise<void>[] = [];
    for (let t = 0, from = 0; t < this.threads && from < queries.length; t++, from += share) {
      const id = this.#next++;
      const count = Math.min(share, queries.length - from);
      jobs.push(new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject })));
      const message: SearchWorkerMessage = {
        type: "search",
        id,
        layout,
        queries: flat.buffer as SharedArrayBuffer,
        from,
        count,
        k,
        rows,
        scores,
      };
      (this.#workers[t] as Worker).postMessage(message);
    }
    await Promise.all(jobs);
    const r = new Int32Array(rows);
    const s = new Float32Array(scores);
    return queries.map((_, q) => {
      const out: Neighbour[] = [];
      for (let j = 0; j < k; j++) {
        const row = r[q * k + j] as number;
        if (row >= 0) out.push(index.neighbourAt(row, s[q * k + j] as number));
      }
      return out;
    });
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }

  /** Hands the workers the index's current memory when it moved (growth) or on first use. */
  #attach(): void {
    const { memory, scratch } = this.index.scanMemory(this.threads + 1);
    if (this.index.generation === this.#generation) return;
    this.#generation = this.index.generation;
    this.#workers.forEach((w, t) => {
      const message: SearchWorkerMessage = {
        type: "attach",
        memory,
        scratch: scratch[t + 1] as (typeof scratch)[number],
      };
      w.postMessage(message);
    });
  }
}
