/*
 * Contracts of the step kinds that later modules implement (knn, classify, llm). They live here so
 * that flows, fingerprints and tracing can rely on them before the implementations land.
 */
import type { LlmStepOptions } from "../llm/llm-step-options.ts";
import type { LabelResult, Step } from "../types.ts";

/** Turns texts into vectors; its `id` (model, dimension, fitted-state hash) goes into fingerprints. */
export interface Embedder {
  readonly id: string;
  readonly dimension: number;
  /**
   * The vector of one text. `options.signal` aborts when the step that asked has ended (its
   * timeout, the run's abort): an embedder that calls a provider stops retrying then.
   */
  embedQuery(text: string, options?: EmbedOptions): Promise<number[]>;
  embedDocuments(texts: string[], options?: EmbedOptions): Promise<number[][]>;
}

/** What a caller tells an {@link Embedder} besides the texts. */
export interface EmbedOptions {
  /** Aborts once the vectors are no longer wanted. */
  signal?: AbortSignal;
}

/** One neighbour found by a vector search: its id, label (null when unlabelled), cosine similarity. */
export interface Neighbour {
  id: string;
  label: string | null;
  score: number;
  metadata?: Record<string, unknown>;
}

/** A searchable index of labelled vectors; `contentHash` goes into fingerprints. */
export interface VectorSearch {
  readonly contentHash: string;
  readonly dimension: number;
  /** The k most similar vectors, best first. */
  search(vector: ArrayLike<number>, k: number): Neighbour[];
}

/** Options of a `knn` step: embed, find the k nearest labelled examples, vote. */
export interface KnnStepOptions {
  index: VectorSearch;
  embedder: Embedder;
  /** Neighbours that vote (default 10). */
  k?: number;
  /**
   * `"weighted"` (default): each neighbour votes with its similarity, confidence = the winner's share
   * of the total; `"majority"`: one vote each, confidence = the winner's share of the votes.
   */
  vote?: "majority" | "weighted";
  /** Default acceptance threshold when the step is a cascade tier. */
  threshold?: number;
  /** Field of an object input that holds the text (default `"text"`). */
  field?: string;
}

/** What a `knn` step returns. */
export interface KnnResult extends LabelResult {
  neighbours: Neighbour[];
}

/** A label with its calibrated probability. */
export interface ScoredLabel {
  label: string;
  confidence: number;
}

/** A trained text classifier; `contentHash` identifies its weights. */
export interface TextClassifier {
  readonly contentHash: string;
  readonly labels: readonly string[];
  /** The most probable label, its calibrated probability, and the `top` most probable labels (default 5). */
  predict(text: string, options?: { top?: number }): ScoredLabel & { top: ScoredLabel[] };
}

/** Options of a `classify` step. */
export interface ClassifyStepOptions {
  model: TextClassifier;
  /** Default acceptance threshold when the step is a cascade tier. */
  threshold?: number;
  /** Field of an object input that holds the text (default `"text"`). */
  field?: string;
  /** How many of the most probable labels the result lists (default 5). */
  top?: number;
}

/** What a `classify` step returns. */
export interface ClassifyResult extends LabelResult {
  top: ScoredLabel[];
}

/** Options of an `llm` step: defined with the step in `../llm/llm-step-options.ts`. */
export type { LlmStepOptions } from "../llm/llm-step-options.ts";

/** Factory signatures that the knn, classify and llm modules export. */
export type KnnStepFactory = (name: string, options: KnnStepOptions) => Step<unknown, KnnResult>;
/** See {@link KnnStepFactory}. */
export type ClassifyStepFactory = (
  name: string,
  options: ClassifyStepOptions,
) => Step<unknown, ClassifyResult>;
/** See {@link KnnStepFactory}. */
export type LlmStepFactory = (name: string, options: LlmStepOptions) => Step<unknown, unknown>;
