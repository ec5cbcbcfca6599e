import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { abortReason } from "../async/settle.ts";
import type { Embedder, EmbedOptions } from "../steps/step-kinds.ts";
import {
  type ArtifactContents,
  type LoadedArtifact,
  readArtifactFile,
  writeArtifactFile,
} from "./artifact-file.ts";
import { mix32 } from "./fnv1a.ts";
import type { NgramOptions } from "./ngram-hasher.ts";
import { TfidfFeaturiser, type TfidfOptions } from "./tfidf-featuriser.ts";

/** Options of {@link LocalEmbedder.fit}. */
export interface LocalEmbedderOptions extends TfidfOptions {
  /** Length of the dense vectors (default 384). */
  dimension?: number;
  /** Non-zeros per feature in the random projection (default 4). */
  density?: number;
  /** Seed of the projection (default 0). */
  seed?: number;
  /** Embeddings kept in the cache, by text (default 10,000; 0 disables it). */
  cacheSize?: number;
  /** Texts embedded between two yields to the event loop in `embedDocuments` (default 256). */
  batchSize?: number;
}

const ARTIFACT_KIND = "local-embedder";
const MODEL = "catena-local-ngram-tfidf";

/**
 * The built-in local embedder: hashed word and character n-grams, TF-IDF weights fitted on a corpus,
 * projected to a fixed dimension by a seeded sparse random projection (each feature adds ±1/√s to
 * s hashed dimensions) and L2-normalised. No network, no download, the same vectors on every machine.
 * It has the shape of LangChain's `EmbeddingsInterface` (`embedQuery`, `embedDocuments`), so it plugs
 * into LangChain vector stores without this module loading LangChain: a `knn` step on it starts fast.
 *
 * @example
 * const embedder = LocalEmbedder.fit(trainTexts);
 * const v = await embedder.embedQuery("my card has not arrived"); // 384 numbers, unit length
 */
export class LocalEmbedder implements Embedder {
  /** Model, dimension and fitted-state hash: what a chain's fingerprint records of this embedder. */
  readonly id: string;
  readonly dimension: number;
  readonly featuriser: TfidfFeaturiser;
  readonly density: number;
  readonly seed: number;
  readonly #projection: Int32Array;
  readonly #cache = new Map<string, Float32Array>();
  readonly #cacheSize: number;
  readonly #batchSize: number;

  constructor(
    featuriser: TfidfFeaturiser,
    options: {
      dimension?: number;
      density?: number;
      seed?: number;
      cacheSize?: number;
      batchSize?: number;
    } = {},
  ) {
    this.featuriser = featuriser;
    this.dimension = options.dimension ?? 384;
    this.density = options.density ?? 4;
    this.seed = options.seed ?? 0;
    this.#cacheSize = options.cacheSize ?? 10_000;
    this.#batchSize = options.batchSize ?? 256;
    if (!Number.isInteger(this.dimension) || this.dimension < 1) {
      throw new RangeError(`LocalEmbedder: dimension must be a positive integer, got ${this.dimension}`);
    }
    this.#projection = project(featuriser.state.keys, this.dimension, this.density, this.seed);
    this.id = `${MODEL}@1:d${this.dimension}:s${this.density}:seed${this.seed}:${featuriser.stateHash.slice(0, 16)}`;
  }

  /** Fits the TF-IDF weights on a corpus (typically the texts that will be indexed). */
  static fit(corpus: Iterable<string>, options: LocalEmbedderOptions = {}): LocalEmbedder {
    const featuriser = TfidfFeaturiser.fit(corpus, options);
    return new LocalEmbedder(featuriser, options);
  }

  /**
   * The unit-length embedding of a text, synchronously (all zeros for a text with no known n-gram).
   * The array may be the cached one: copy it before changing it.
   */
  embed(text: string): Float32Array {
    const cached = this.#cache.get(text);
    if (cached) {
      // Re-inserted so that the Map's insertion order is least-recently used first.
      this.#cache.delete(text);
      this.#cache.set(text, cached);
      return cached;
    }
    const x = this.featuriser.transform(text);
    const out = new Float32Array(this.dimension);
    const s = this.density;
    const p = this.#projection;
    for (let i = 0; i < x.indices.length; i++) {
      const v = x.values[i] as number;
      const base = (x.indices[i] as number) * s;
      for (let r = 0; r < s; r++) {
        const code = p[base + r] as number;
        if (code >= 0) out[code] = (out[code] as number) + v;
        else out[~code] = (out[~code] as number) - v;
      }
    }
    let norm = 0;
    for (let i = 0; i < out.length; i++) norm += (out[i] as number) * (out[i] as number);
    if (norm > 0) {
      const scale = 1 / Math.sqrt(norm);
      for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) * scale;
    }
    if (this.#cacheSize > 0) {
      if (this.#cache.size >= this.#cacheSize) this.#cache.delete(this.#cache.keys().next().value as string);
      this.#cache.set(text, out);
    }
    return out;
  }

  /** The query embedding as LangChain's `EmbeddingsInterface` has it; rejects if `options.signal` has aborted. */
  async embedQuery(text: string, options: EmbedOptions = {}): Promise<number[]> {
    if (options.signal?.aborted) throw abortReason(options.signal, `embedder "${this.id}"`);
    return Array.from(this.embed(text));
  }

  /**
   * Document embeddings as LangChain has them, in batches that let other work run in between. Once
   * `options.signal` aborts, no further batch is embedded and the call rejects with its reason.
   */
  async embedDocuments(texts: string[], options: EmbedOptions = {}): Promise<number[][]> {
    const { signal } = options;
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i++) {
      if (i > 0 && i % this.#batchSize === 0) await yieldToEventLoop();
      if (signal?.aborted && (i === 0 || i % this.#batchSize === 0)) {
        throw abortReason(signal, `embedder "${this.id}"`);
      }
      out.push(Array.from(this.embed(texts[i] as string)));
    }
    return out;
  }

  /** The fitted state as an artifact (see `writeArtifactFile`). */
  toArtifact(): ArtifactContents {
    const { keys, idf } = this.featuriser.state;
    return {
      kind: ARTIFACT_KIND,
      version: 1,
      // The featuriser's settings follow the embedder's own, in the order the artifact has always had.
      meta: {
        id: this.id,
        dimension: this.dimension,
        density: this.density,
        seed: this.seed,
        ...this.featuriser.savedMeta(),
      },
      sections: { keys, idf },
    };
  }

  /** Saves the fitted state; returns the artifact's content hash. */
  save(path: string): string {
    return writeArtifactFile(path, this.toArtifact());
  }

  /** Loads an embedder saved with {@link LocalEmbedder.save}; throws `ArtifactError` when unusable. */
  static load(path: string, options: { cacheSize?: number; batchSize?: number } = {}): LocalEmbedder {
    return LocalEmbedder.fromArtifact(
      readArtifactFile(path, { kind: ARTIFACT_KIND, versions: [1] }),
      options,
    );
  }

  /** Rebuilds an embedder from a decoded artifact. */
  static fromArtifact(
    artifact: LoadedArtifact,
    options: { cacheSize?: number; batchSize?: number } = {},
  ): LocalEmbedder {
    const meta = artifact.meta as unknown as {
      dimension: number;
      density: number;
      seed: number;
      ngrams: NgramOptions;
      minDf: number;
      wordShare: number;
      documents: number;
    };
    const featuriser = new TfidfFeaturiser({
      ngrams: meta.ngrams,
      minDf: meta.minDf,
      wordShare: meta.wordShare,
      documents: meta.documents,
      keys: artifact.sections.keys as Uint32Array,
      idf: artifact.sections.idf as Float32Array,
    });
    return new LocalEmbedder(featuriser, {
      dimension: meta.dimension,
      density: meta.density,
      seed: meta.seed,
      ...options,
    });
  }
}

/**
 * Where each feature lands: `density` codes per column, a code being the dimension for +1 and its
 * bitwise complement for −1, drawn from the feature's own hash so that it needs no stored matrix.
 */
function project(keys: Uint32Array, dimension: number, density: number, seed: number): Int32Array {
  const codes = new Int32Array(keys.length * density);
  for (let c = 0; c < keys.length; c++) {
    for (let r = 0; r < density; r++) {
      const h = mix32(
        ((keys[c] as number) ^ Math.imul(r + 1, 0x9e3779b9) ^ Math.imul(seed, 0x85ebca6b)) >>> 0,
      );
      const dim = h % dimension;
      codes[c * density + r] = h & 0x80000000 ? ~dim : dim;
    }
  }
  return codes;
}
