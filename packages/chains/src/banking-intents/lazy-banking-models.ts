/*
 * The trained tiers as the chain sees them: stand-ins that carry the manifest's hashes from the
 * start (so defining the chain, listing it or computing its fingerprint reads no 20 MB of weights)
 * and load the real artifacts on first use, building them first when the folder has none.
 */
import type { Embedder, EmbedOptions, ScoredLabel, TextClassifier, VectorSearch } from "@catena/core";
import { ArtifactError } from "@catena/core/ml";
import {
  BANKING_ARTIFACTS_DIR,
  type BankingManifest,
  hasBankingModels,
  loadBankingModels,
} from "./banking-artifacts.ts";
import { buildBankingArtifacts } from "./build-banking-artifacts.ts";
import { INTENTS } from "./intents.ts";
import type { BankingModels } from "./train-banking-models.ts";

/**
 * Lazily loaded classifier, embedder and index of an artifacts folder. Call {@link ready} before
 * the synchronous `predict`/`search` (the chain's first step does).
 */
export class LazyBankingModels {
  readonly dir: string;
  readonly manifest: BankingManifest;
  readonly classifier: TextClassifier;
  readonly embedder: Embedder;
  readonly index: VectorSearch;
  #models: BankingModels | undefined;
  #pending: Promise<BankingModels> | undefined;

  constructor(dir: string, manifest: BankingManifest) {
    this.dir = dir;
    this.manifest = manifest;
    this.classifier = {
      contentHash: manifest.classifier.contentHash,
      labels: INTENTS,
      predict: (text: string, options?: { top?: number }): ScoredLabel & { top: ScoredLabel[] } =>
        this.loaded().classifier.predict(text, options),
    };
    this.embedder = {
      id: manifest.embedder.id,
      dimension: manifest.embedder.dimension,
      embedQuery: async (text: string, options?: EmbedOptions) =>
        (await this.#embedderFor(options)).embedQuery(text, options),
      embedDocuments: async (texts: string[], options?: EmbedOptions) =>
        (await this.#embedderFor(options)).embedDocuments(texts, options),
    };
    this.index = {
      contentHash: manifest.index.contentHash,
      dimension: manifest.index.dimension,
      search: (vector: ArrayLike<number>, k: number) => this.loaded().index.search(vector, k),
    };
  }

  /**
   * The loaded embedder, seen through the `Embedder` interface so that the step's options (its
   * `signal`) go on to it. A step that ended while the models loaded (the first load builds them,
   * about 10 s) gets its abort rather than an embedding nobody waits for.
   */
  async #embedderFor(options: EmbedOptions | undefined): Promise<Embedder> {
    const { embedder } = await this.ready();
    options?.signal?.throwIfAborted();
    return embedder;
  }

  /**
   * The loaded models; the package's own folder is built first when its binaries are missing
   * (about 10 s of CPU, once). Concurrent callers share one load.
   */
  ready(): Promise<BankingModels> {
    if (this.#models) return Promise.resolve(this.#models);
    this.#pending ??= (async () => {
      if (!hasBankingModels(this.dir) && this.dir === BANKING_ARTIFACTS_DIR) {
        await buildBankingArtifacts(this.dir);
      }
      this.#models = loadBankingModels(this.dir, this.manifest);
      return this.#models;
    })();
    this.#pending.catch(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** The models, loading them synchronously when built; an `ArtifactError` naming the fix when not. */
  loaded(): BankingModels {
    if (this.#models) return this.#models;
    if (!hasBankingModels(this.dir)) {
      throw new ArtifactError(
        `The banking-intents artifacts are not built in ${this.dir}; run \`pnpm --filter @catena/chains build:artifacts\`.`,
        { details: { dir: this.dir } },
      );
    }
    this.#models = loadBankingModels(this.dir, this.manifest);
    return this.#models;
  }
}
