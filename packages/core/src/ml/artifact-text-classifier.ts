import type { ScoredLabel, TextClassifier } from "../steps/step-kinds.ts";
import type { JsonValue } from "../types.ts";
import { type ArtifactContents, artifactHash, writeArtifactFile } from "./artifact-file.ts";
import { rankLabels } from "./ranked-labels.ts";
import type { TfidfFeaturiser } from "./tfidf-featuriser.ts";

/**
 * What every TF-IDF text classifier saved as an artifact has in common: labels, featuriser, the
 * training run's facts, and `predict`, `contentHash` and `save` derived from its calibrated
 * `probabilities` and its `toArtifact`. Subclasses add the model and how to load it.
 *
 * @example
 * class MyClassifier extends ArtifactTextClassifier { probabilities(text) { … } toArtifact() { … } }
 */
export abstract class ArtifactTextClassifier implements TextClassifier {
  readonly labels: readonly string[];
  readonly featuriser: TfidfFeaturiser;
  /** Free-form facts about the training run, saved with the artifact (hyper-parameters, data sizes). */
  readonly info: { [key: string]: JsonValue };
  #hash: string | undefined;

  constructor(fields: {
    labels: readonly string[];
    featuriser: TfidfFeaturiser;
    info?: { [key: string]: JsonValue };
  }) {
    this.labels = fields.labels;
    this.featuriser = fields.featuriser;
    this.info = fields.info ?? {};
  }

  /** Calibrated probabilities of a text, one per label (in `labels` order). */
  abstract probabilities(text: string): Float64Array;

  /** The classifier as an artifact: what `save` writes and `contentHash` hashes. */
  abstract toArtifact(): ArtifactContents;

  /** SHA-256 of the saved artifact's contents: labels, featuriser, weights, temperatures. */
  get contentHash(): string {
    this.#hash ??= artifactHash(this.toArtifact());
    return this.#hash;
  }

  /** The most probable label, its calibrated probability, and the `top` most probable labels (default 5). */
  predict(text: string, options: { top?: number } = {}): ScoredLabel & { top: ScoredLabel[] } {
    return rankLabels(this.probabilities(text), this.labels, options.top ?? 5);
  }

  /** Saves the classifier; returns its content hash. */
  save(path: string): string {
    return writeArtifactFile(path, this.toArtifact());
  }
}
