/*
 * The two learned tiers of a text cascade, trained together from labelled texts: a classifier (the
 * neural n-gram classifier of `trainNeuralClassifier`) and a kNN index of `LocalEmbedder` vectors of
 * the training texts. Shared by the built-in banking-intents chain and `defineTextCascadeTrainer`,
 * so that a user's cascade is trained exactly as the shipped one is. Deterministic: the same
 * examples give the same bytes.
 */
import type { LabelledExample } from "./labelled-example.ts";
import type { SavedTextClassifier } from "./load-text-classifier.ts";
import { LocalEmbedder } from "./local-embedder.ts";
import type { NeuralTextClassifier } from "./neural-text-classifier.ts";
import type { TrainingProgress, TrainingReport } from "./train-classifier.ts";
import { trainNeuralClassifier } from "./train-neural-classifier.ts";
import { VectorIndex } from "./vector-index.ts";

/** The learned tiers of a text cascade: its classifier, and the kNN index with its embedder. */
export interface TextTiers {
  classifier: SavedTextClassifier;
  embedder: LocalEmbedder;
  index: VectorIndex;
}

/** Options of {@link trainTextTiers}. */
export interface TrainTextTiersOptions {
  /** The label set, in the order the classifier keeps it. */
  labels: readonly string[];
  /**
   * Held-out texts: the classifier's temperature is fitted on them and its report computed on them
   * (none, or an empty list: a share of `train` is held out for the temperature, and no report).
   */
  dev?: readonly LabelledExample[];
  /** Seed of the classifier's training (default 1). */
  seed?: number;
  /** Progress of the classifier's training, then `{ phase: "index" }` while the kNN index is built. */
  onProgress?: (progress: TrainingProgress | { phase: "index"; done: number; total: number }) => void;
}

/**
 * Trains the classifier (default settings of `trainNeuralClassifier`) and builds the kNN index over
 * the training texts embedded by a `LocalEmbedder` fitted on them.
 *
 * @example
 * const { tiers, report } = await trainTextTiers(train, { labels: ["refund", "card", "other"], dev });
 */
export async function trainTextTiers(
  train: readonly LabelledExample[],
  options: TrainTextTiersOptions,
): Promise<{ tiers: TextTiers & { classifier: NeuralTextClassifier }; report: TrainingReport }> {
  const { classifier, report } = await trainNeuralClassifier(train, {
    labels: options.labels,
    seed: options.seed ?? 1,
    // No dev items (a file too small to hold any out): trained without a dev report.
    ...(options.dev && options.dev.length > 0 ? { dev: options.dev } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const started = performance.now();
  const embedder = LocalEmbedder.fit(train.map((e) => e.text));
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
  return { tiers: { classifier, embedder, index }, report };
}
