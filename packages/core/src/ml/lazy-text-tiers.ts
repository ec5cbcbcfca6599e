/*
 * The trained tiers as a chain sees them: stand-ins that carry the manifest's hashes from the start
 * (so defining the chain, listing it or computing its fingerprint reads no weights) and load the
 * real artifacts on first use.
 */
import { ArtifactError } from "../errors/ml-errors.ts";
import type {
  Embedder,
  EmbedOptions,
  ScoredLabel,
  TextClassifier,
  VectorSearch,
} from "../steps/step-kinds.ts";
import type { TextTiers } from "./text-tiers.ts";
import {
  hasTextTiers,
  loadTextTiers,
  type TextTiersFolderKind,
  type TextTiersManifest,
} from "./text-tiers-folder.ts";

/** Options of {@link LazyTextTiers}. */
export interface LazyTextTiersOptions {
  /** The classifier's label set, as the chain's `classify` step reports it before loading. */
  labels: readonly string[];
  /** The folder's manifest format and the command that rebuilds it, for messages. */
  kind: TextTiersFolderKind;
  /** Builds the folder's binaries when they are missing (the built-in chain builds its own on first use). */
  build?: (dir: string) => Promise<void>;
}

/**
 * Lazily loaded classifier, embedder and index of an artifacts folder. The classifier's and index's
 * synchronous `predict`/`search` load the files on first use; {@link ready} loads them ahead
 * (building them first when a `build` is given and the folder has none).
 */
export class LazyTextTiers {
  readonly dir: string;
  readonly manifest: TextTiersManifest;
  readonly classifier: TextClassifier;
  readonly embedder: Embedder;
  readonly index: VectorSearch;
  readonly #options: LazyTextTiersOptions;
  #tiers: TextTiers | undefined;
  #pending: Promise<TextTiers> | undefined;

  constructor(dir: string, manifest: TextTiersManifest, options: LazyTextTiersOptions) {
    this.dir = dir;
    this.manifest = manifest;
    this.#options = options;
    this.classifier = {
      contentHash: manifest.classifier.contentHash,
      labels: options.labels,
      predict: (text: string, predictOptions?: { top?: number }): ScoredLabel & { top: ScoredLabel[] } =>
        this.loaded().classifier.predict(text, predictOptions),
    };
    this.embedder = {
      id: manifest.embedder.id,
      dimension: manifest.embedder.dimension,
      embedQuery: async (text: string, embedOptions?: EmbedOptions) =>
        (await this.#embedderFor(embedOptions)).embedQuery(text, embedOptions),
      embedDocuments: async (texts: string[], embedOptions?: EmbedOptions) =>
        (await this.#embedderFor(embedOptions)).embedDocuments(texts, embedOptions),
    };
    this.index = {
      contentHash: manifest.index.contentHash,
      dimension: manifest.index.dimension,
      search: (vector: ArrayLike<number>, k: number) => this.loaded().index.search(vector, k),
    };
  }

  /**
   * The loaded embedder, seen through the `Embedder` interface so that the step's options (its
   * `signal`) go on to it. A step that ended while the models loaded gets its abort rather than an
   * embedding nobody waits for.
   */
  async #embedderFor(options: EmbedOptions | undefined): Promise<Embedder> {
    const { embedder } = await this.ready();
    options?.signal?.throwIfAborted();
    return embedder;
  }

  /** The loaded tiers, built first when missing and a `build` was given. Concurrent callers share one load. */
  ready(): Promise<TextTiers> {
    if (this.#tiers) return Promise.resolve(this.#tiers);
    this.#pending ??= (async () => {
      const { build } = this.#options;
      if (build !== undefined && !hasTextTiers(this.dir)) await build(this.dir);
      this.#tiers = loadTextTiers(this.dir, this.manifest, this.#options.kind);
      return this.#tiers;
    })();
    this.#pending.catch(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** The tiers, loading them synchronously when built; an `ArtifactError` naming the fix when not. */
  loaded(): TextTiers {
    if (this.#tiers) return this.#tiers;
    if (!hasTextTiers(this.dir)) {
      throw new ArtifactError(
        `The trained tiers are not built in ${this.dir}; build them with ${this.#options.kind.rebuild}.`,
        { details: { dir: this.dir } },
      );
    }
    this.#tiers = loadTextTiers(this.dir, this.manifest, this.#options.kind);
    return this.#tiers;
  }
}
