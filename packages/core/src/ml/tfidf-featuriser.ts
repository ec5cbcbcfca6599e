import { createHash } from "node:crypto";
import { CHAR_BLOCK, countNgrams, DEFAULT_NGRAMS, type NgramOptions } from "./ngram-hasher.ts";
import type { SparseVector } from "./sparse-vector.ts";

/** Options of {@link TfidfFeaturiser.fit}. */
export interface TfidfOptions {
  /** Which n-grams to hash (default word 1–2-grams and character 2–5-grams). */
  ngrams?: Partial<NgramOptions>;
  /** Drop features found in fewer than this many fitted texts (default 1: keep all). */
  minDf?: number;
  /** Share of the vector's squared length given to word n-grams, the rest to characters (default 0.5). */
  wordShare?: number;
}

/** The fitted state of a featuriser: everything needed to rebuild it, as saved in artifacts. */
export interface TfidfState {
  ngrams: NgramOptions;
  minDf: number;
  wordShare: number;
  /** Number of texts it was fitted on. */
  documents: number;
  /** Hashed n-gram keys kept, ascending; a key's position is its column. */
  keys: Uint32Array;
  /** Inverse document frequency per column. */
  idf: Float32Array;
}

/**
 * Turns texts into sparse TF-IDF vectors over hashed word and character n-grams: sublinear term
 * frequency (1 + ln tf), smoothed idf (ln((1 + n) / (1 + df)) + 1), word and character blocks each
 * L2-normalised and then scaled so that words hold `wordShare` of the squared length and the whole
 * vector has unit length. N-grams not seen
 * when fitting are ignored. Deterministic: the same texts give the same state on every machine.
 *
 * @example
 * const f = TfidfFeaturiser.fit(["my card is lost", "where is my card"]);
 * f.transform("lost card"); // { indices, values }, L2 norm 1
 */
export class TfidfFeaturiser {
  readonly state: TfidfState;
  readonly #columns: Map<number, number>;
  #hash: string | undefined;

  constructor(state: TfidfState) {
    this.state = state;
    this.#columns = new Map();
    for (let i = 0; i < state.keys.length; i++) this.#columns.set(state.keys[i] as number, i);
  }

  /** Fits document frequencies on `texts`. */
  static fit(texts: Iterable<string>, options: TfidfOptions = {}): TfidfFeaturiser {
    return TfidfFeaturiser.#fit(texts, options, undefined);
  }

  /** Fits on `texts` and returns their vectors too, counting each text's n-grams once instead of twice. */
  static fitTransform(
    texts: readonly string[],
    options: TfidfOptions = {},
  ): { featuriser: TfidfFeaturiser; vectors: SparseVector[] } {
    const counted: Array<Map<number, number>> = [];
    const featuriser = TfidfFeaturiser.#fit(texts, options, counted);
    return { featuriser, vectors: counted.map((counts) => featuriser.#vectorOf(counts)) };
  }

  static #fit(
    texts: Iterable<string>,
    options: TfidfOptions,
    keep: Array<Map<number, number>> | undefined,
  ): TfidfFeaturiser {
    const ngrams: NgramOptions = {
      words: options.ngrams?.words === undefined ? DEFAULT_NGRAMS.words : options.ngrams.words,
      chars: options.ngrams?.chars === undefined ? DEFAULT_NGRAMS.chars : options.ngrams.chars,
    };
    const minDf = options.minDf ?? 1;
    const wordShare = options.wordShare ?? 0.5;
    const df = new Map<number, number>();
    let counts = new Map<number, number>();
    let documents = 0;
    for (const text of texts) {
      if (keep) {
        counts = new Map();
        keep.push(counts);
      } else {
        counts.clear();
      }
      countNgrams(text, ngrams, counts);
      for (const key of counts.keys()) df.set(key, (df.get(key) ?? 0) + 1);
      documents++;
    }
    const kept: number[] = [];
    for (const [key, n] of df) if (n >= minDf) kept.push(key);
    const keys = Uint32Array.from(kept).sort();
    const idf = new Float32Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      idf[i] = Math.log((1 + documents) / (1 + (df.get(keys[i] as number) as number))) + 1;
    }
    return new TfidfFeaturiser({ ngrams, minDf, wordShare, documents, keys, idf });
  }

  /** The settings saved in an artifact's metadata beside its `keys` and `idf` sections (see {@link fromSaved}). */
  savedMeta(): {
    ngrams: { words: number[] | null; chars: number[] | null };
    minDf: number;
    wordShare: number;
    documents: number;
  } {
    const { ngrams, minDf, wordShare, documents } = this.state;
    return {
      ngrams: {
        words: ngrams.words ? [...ngrams.words] : null,
        chars: ngrams.chars ? [...ngrams.chars] : null,
      },
      minDf,
      wordShare,
      documents,
    };
  }

  /** Rebuilds a featuriser from an artifact's metadata (as written by {@link savedMeta}) and its `keys` and `idf` sections. */
  static fromSaved(
    meta: { ngrams: NgramOptions; minDf: number; wordShare: number; documents: number },
    sections: Readonly<Record<string, unknown>>,
  ): TfidfFeaturiser {
    return new TfidfFeaturiser({
      ngrams: meta.ngrams,
      minDf: meta.minDf,
      wordShare: meta.wordShare,
      documents: meta.documents,
      keys: sections.keys as Uint32Array,
      idf: sections.idf as Float32Array,
    });
  }

  /** Number of columns (kept features). */
  get size(): number {
    return this.state.keys.length;
  }

  /** Column of a hashed n-gram key, or undefined when it was not kept. */
  columnOf(key: number): number | undefined {
    return this.#columns.get(key);
  }

  /** SHA-256 (hex) of the fitted state: changes whenever a transform could change. */
  get stateHash(): string {
    this.#hash ??= createHash("sha256")
      .update(
        JSON.stringify({
          ngrams: this.state.ngrams,
          minDf: this.state.minDf,
          wordShare: this.state.wordShare,
          n: this.state.documents,
        }),
      )
      .update(new Uint8Array(this.state.keys.buffer, this.state.keys.byteOffset, this.state.keys.byteLength))
      .update(new Uint8Array(this.state.idf.buffer, this.state.idf.byteOffset, this.state.idf.byteLength))
      .digest("hex");
    return this.#hash;
  }

  /** The unit-length TF-IDF vector of a text (all zeros when it has no known n-gram). */
  transform(text: string): SparseVector {
    const counts = new Map<number, number>();
    countNgrams(text, this.state.ngrams, counts);
    return this.#vectorOf(counts);
  }

  #vectorOf(counts: Map<number, number>): SparseVector {
    const indices: number[] = [];
    const values: number[] = [];
    const blocks: number[] = [];
    const norms = [0, 0];
    for (const [key, tf] of counts) {
      const column = this.#columns.get(key);
      if (column === undefined) continue;
      const v = (1 + Math.log(tf)) * (this.state.idf[column] as number);
      const block = key & CHAR_BLOCK;
      indices.push(column);
      values.push(v);
      blocks.push(block);
      norms[block] = (norms[block] as number) + v * v;
    }
    const both = (norms[0] as number) > 0 && (norms[1] as number) > 0;
    const share = [this.state.wordShare, 1 - this.state.wordShare];
    const scale = norms.map((n, block) =>
      n > 0 ? Math.sqrt(both ? (share[block] as number) : 1) / Math.sqrt(n) : 0,
    );
    const out = new Float32Array(values.length);
    for (let i = 0; i < values.length; i++)
      out[i] = (values[i] as number) * (scale[blocks[i] as number] as number);
    return { indices: Int32Array.from(indices), values: out };
  }
}
