/**
 * The k highest-scoring items seen so far, in a bounded binary min-heap: O(log k) per accepted item
 * and one comparison per rejected one, instead of sorting every score. Ties keep the earlier item.
 *
 * @example
 * const top = new TopK(3); scores.forEach((s, i) => top.push(s, i)); top.sorted(); // [[0.9, 4], ...]
 */
export class TopK {
  readonly k: number;
  readonly #scores: Float64Array;
  readonly #items: Int32Array;
  #size = 0;

  constructor(k: number) {
    this.k = k;
    this.#scores = new Float64Array(Math.max(1, k));
    this.#items = new Int32Array(Math.max(1, k));
  }

  get size(): number {
    return this.#size;
  }

  /** The score an item must beat to get in (−∞ while there is room). */
  get threshold(): number {
    return this.#size < this.k ? Number.NEGATIVE_INFINITY : (this.#scores[0] as number);
  }

  /** Offers an item; keeps it when it beats the current k-th score. */
  push(score: number, item: number): void {
    if (this.k === 0) return;
    const scores = this.#scores;
    const items = this.#items;
    if (this.#size < this.k) {
      let i = this.#size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!worse(score, item, scores[parent] as number, items[parent] as number)) break;
        scores[i] = scores[parent] as number;
        items[i] = items[parent] as number;
        i = parent;
      }
      scores[i] = score;
      items[i] = item;
      return;
    }
    if (!(score > (scores[0] as number))) return;
    let i = 0;
    const n = this.#size;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (
        right < n &&
        worse(scores[right] as number, items[right] as number, scores[left] as number, items[left] as number)
      ) {
        child = right;
      }
      if (!worse(scores[child] as number, items[child] as number, score, item)) break;
      scores[i] = scores[child] as number;
      items[i] = items[child] as number;
      i = child;
    }
    scores[i] = score;
    items[i] = item;
  }

  /** The kept items, best first (ties: lower item first), as [score, item] pairs. */
  sorted(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let i = 0; i < this.#size; i++) out.push([this.#scores[i] as number, this.#items[i] as number]);
    return out.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  }

  /** Empties the heap for reuse. */
  clear(): void {
    this.#size = 0;
  }
}

// "a is worse than b": lower score, or equal score and later item (so earlier items win ties).
function worse(aScore: number, aItem: number, bScore: number, bItem: number): boolean {
  return aScore < bScore || (aScore === bScore && aItem > bItem);
}
