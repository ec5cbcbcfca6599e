/*
 * Trains the two learned tiers of the pipeline from labelled queries (see `trainTextTiers`, shared
 * with the cascades users define with `defineTextCascadeTrainer`): the classifier (a perceptron and
 * a softmax regression over TF-IDF n-grams, averaged, with a hidden-layer kNN vote) and the kNN index
 * of LocalEmbedder vectors. Deterministic: the same examples give the same bytes.
 */
import {
  type LabelledExample,
  type NeuralTextClassifier,
  type TextTiers,
  type TrainingReport,
  type TrainTextTiersOptions,
  trainTextTiers,
} from "@catena/core/ml";
import { INTENTS } from "./intents.ts";

/** The trained tiers of the banking-intents chain. */
export type BankingModels = TextTiers;

/** Options of {@link trainBankingModels}. */
export type TrainBankingModelsOptions = Pick<TrainTextTiersOptions, "dev" | "onProgress">;

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
  const { tiers, report } = await trainTextTiers(train, { ...options, labels: INTENTS, seed: 1 });
  return { models: tiers, report };
}
