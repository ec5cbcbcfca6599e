/**
 * A set of item indices as a growable bit set: one bit per index, so a resume of a results file
 * with millions of items keeps its memory flat (10 million items: 1.25 MB).
 */
export class IndexSet {
  #bits = new Uint8Array(1024);
  #size = 0;
  /** Indices too large for the bit set (nothing a real input reaches), kept aside. */
  readonly #far = new Set<number>();

  /** How many indices the set holds. */
  get size(): number {
    return this.#size + this.#far.size;
  }

  /** Adds an index (a whole number >= 0). */
  add(index: number): void {
    if (!Number.isInteger(index) || index < 0) return;
    if (index >= MAX_BIT) {
      this.#far.add(index);
      return;
    }
    const byte = index >>> 3;
    if (byte >= this.#bits.length) {
      let length = this.#bits.length;
      while (length <= byte) length *= 2;
      const grown = new Uint8Array(length);
      grown.set(this.#bits);
      this.#bits = grown;
    }
    const mask = 1 << (index & 7);
    if ((this.#bits[byte] as number) & mask) return;
    this.#bits[byte] = (this.#bits[byte] as number) | mask;
    this.#size++;
  }

  /** True when the index was added. */
  has(index: number): boolean {
    if (index >= MAX_BIT) return this.#far.has(index);
    const byte = index >>> 3;
    return byte < this.#bits.length && ((this.#bits[byte] as number) & (1 << (index & 7))) !== 0;
  }
}

const MAX_BIT = 2 ** 31;
