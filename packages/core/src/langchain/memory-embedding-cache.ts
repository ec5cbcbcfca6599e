/**
 * The in-memory layer every embedder keeps in front of its provider (and of a disk cache): the
 * most recently used vectors, at most `maxEntries` of them.
 */
export class MemoryEmbeddingCache {
  readonly maxEntries: number;
  readonly #entries = new Map<string, number[]>();

  constructor(maxEntries = 10_000) {
    this.maxEntries = maxEntries;
  }

  get(key: string): number[] | undefined {
    const vector = this.#entries.get(key);
    if (vector !== undefined) {
      // Map order is insertion order: moving a hit to the end keeps the oldest entry first.
      this.#entries.delete(key);
      this.#entries.set(key, vector);
    }
    return vector;
  }

  set(key: string, vector: number[]): void {
    if (this.maxEntries <= 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, vector);
    if (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
