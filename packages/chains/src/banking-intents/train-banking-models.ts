/*
 * Trains the two learned tiers of the pipeline from labelled queries: the classifier (a perceptron
 * and a softmax regression over TF-IDF n-grams, averaged, with a hidden-layer kNN vote) and the kNN index of LocalEmbedder vectors. Deterministic: the same examples give the same bytes.
 */
import {
  type LabelledExample,
  LocalEmbedder,
  type NeuralTextClassifier,
  type SavedTextClassifier,
  type TrainingProgress,
  type TrainingReport,
  trainNeuralClassifier,
  VectorIndex,
} from "@catena/core/ml";
import { INTENTS } from "./intents.ts";

/** The trained tiers of the banking-intents chain. */
export interface BankingModels {
  classifier: SavedTextClassifier;
  embedder: LocalEmbedder;
  index: VectorIndex;
}

/** Options of {@link trainBankingModels}. */
export interface TrainBankingModelsOptions {
  /**
   * Held-out queries: the classifier's temperature is fitted on them and its report computed on them
   * (none, or an empty list: a share of `train` is held out for the temperature, and no report).
   */
  dev?: readonly LabelledExample[];
  /** Progress of the classifier's training, then `{ phase: "index" }` while the kNN index is built. */
  onProgress?: (progress: TrainingProgress | { phase: "index"; done: number; total: number }) => void;
}

/**
 * Trains the classifier (default settings of `trainNeuralClassifier`, seed 1, labels = the 77 intents)
 * and builds the kNN index over the training queries embedded by a `LocalEmbedder` fitted on them.
 *
 * @example
 * const { models, report } = await trainBankingModels(bankingSplit().train, { dev: bankingSplit().dev });
 */
export async function trainBankingModels(
  train: readonly LabelledExample[],
  options: TrainBankingModelsOptions = {},
): Promise<{ models: BankingModels & { classifier: NeuralTextClassifier }; report: TrainingReport }> {
  const { classifier, report } = await trainNeuralClassifier(train, {
    labels: INTENTS,
    seed: 1,
    // No dev items (a file too small to hold any out): trained without a dev report.
    ...(options.dev && options.dev.length > 0 ? { dev: options.dev } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const started = performance.now();
  const texts = train.map((e) => e.text);
  const embedder = LocalEmbedder.fit(texts);
  const index = new VectorIndex({ dimension: embedder.dimension });
  const step = 1000;
  for (let from = 0; from < train.length; from += step) {
    index.add(
      train.slice(from, from + step).map((e, i) => ({
        id: String(from + i),
        vector: embedder.embed(e.text),
        label: e.label,
      })),
    );
    options.onProgress?.({ phase: "index", done: Math.min(train.length, from + step), total: train.length });
  }
  report.trainingMs += performance.now() - started;
  return { models: { classifier, embedder, index }, report };
}
