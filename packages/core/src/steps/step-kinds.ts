/*
 * Contracts of the step kinds that later modules implement (knn, classify, llm). They live here so
 * that flows, fingerprints and tracing can rely on them before the implementations land.
 */
import type { LabelResult, Step } from "../types.ts";

/** Turns texts into vectors; its `id` (model, dimension, fitted-state hash) goes into fingerprints. */
export interface Embedder {
  readonly id: string;
  readonly dimension: number;
  embedQuery(text: string): Promise<number[]>;
  embedDocuments(texts: string[]): Promise<number[][]>;
}

/** One labelled neighbour found by a vector search. */
export interface Neighbour {
  id: string;
  label: string;
  score: number;
  metadata?: Record<string, unknown>;
}

/** A searchable index of labelled vectors; `contentHash` goes into fingerprints. */
export interface VectorSearch {
  readonly contentHash: string;
  search(vector: ArrayLike<number>, k: number): Neighbour[];
}

/** Options of a `knn` step: embed, find the k nearest labelled examples, vote. */
export interface KnnStepOptions {
  index: VectorSearch;
  embedder: Embedder;
  k: number;
  vote?: "majority" | "weighted";
  threshold?: number;
  field?: string;
}

/** What a `knn` step returns. */
export interface KnnResult extends LabelResult {
  neighbours: Neighbour[];
}

/** A trained text classifier; `contentHash` identifies its weights. */
export interface TextClassifier {
  readonly contentHash: string;
  readonly labels: readonly string[];
  predict(text: string): {
    label: string;
    confidence: number;
    top: Array<{ label: string; confidence: number }>;
  };
}

/** Options of a `classify` step. */
export interface ClassifyStepOptions {
  model: TextClassifier;
  threshold?: number;
  field?: string;
}

/** What a `classify` step returns. */
export interface ClassifyResult extends LabelResult {
  top: Array<{ label: string; confidence: number }>;
}

/** Options of an `llm` step; the model is a provider-qualified id or a chat model instance. */
export interface LlmStepOptions {
  model: string | { readonly lc_namespace?: readonly string[] };
  prompt: string | { readonly inputVariables?: readonly string[] };
  /** A zod schema for structured output. */
  schema?: { safeParse(value: unknown): { success: boolean } };
  temperature?: number;
  maxTokens?: number;
  seed?: number;
  threshold?: number;
}

/** Factory signatures that the knn, classify and llm modules export. */
export type KnnStepFactory = (name: string, options: KnnStepOptions) => Step<unknown, KnnResult>;
/** See {@link KnnStepFactory}. */
export type ClassifyStepFactory = (
  name: string,
  options: ClassifyStepOptions,
) => Step<unknown, ClassifyResult>;
/** See {@link KnnStepFactory}. */
export type LlmStepFactory = (name: string, options: LlmStepOptions) => Step<unknown, unknown>;
