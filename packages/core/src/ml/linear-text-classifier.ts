import type { JsonValue } from "../types.ts";
import { type ArtifactContents, type LoadedArtifact, readArtifactFile } from "./artifact-file.ts";
import { ArtifactTextClassifier } from "./artifact-text-classifier.ts";
import type { NgramOptions } from "./ngram-hasher.ts";
import { logitsInto, type SoftmaxModel, softmaxInPlace } from "./softmax-regression.ts";
import { TfidfFeaturiser } from "./tfidf-featuriser.ts";

const ARTIFACT_KIND = "text-classifier";

/**
 * A trained linear text classifier: TF-IDF over hashed word and character n-grams, a softmax
 * regression, and a temperature that calibrates its probabilities. Built by `trainClassifier`,
 * saved and loaded as a versioned binary artifact whose content hash goes into fingerprints.
 *
 * @example
 * const model = LinearTextClassifier.load("artifacts/banking77.classifier");
 * model.predict("my card still has not arrived"); // { label: "card_arrival", confidence: 0.97, top }
 */
export class LinearTextClassifier extends ArtifactTextClassifier {
  /** Artifact kind of a saved linear classifier. */
  static readonly ARTIFACT_KIND = ARTIFACT_KIND;
  readonly model: SoftmaxModel;
  /** Logits are divided by it before the softmax (fitted on held-out data; 1 = uncalibrated). */
  readonly temperature: number;

  constructor(fields: {
    labels: readonly string[];
    featuriser: TfidfFeaturiser;
    model: SoftmaxModel;
    temperature: number;
    info?: { [key: string]: JsonValue };
  }) {
    super(fields);
    this.model = fields.model;
    this.temperature = fields.temperature;
  }

  /** Bytes held by the weights, bias and featuriser tables. */
  get memoryBytes(): number {
    const { keys, idf } = this.featuriser.state;
    // The featuriser's key → column Map costs about 40 bytes per entry in V8.
    return (
      this.model.weights.byteLength +
      this.model.bias.byteLength +
      keys.byteLength +
      idf.byteLength +
      keys.length * 40
    );
  }

  /** Raw (uncalibrated) logits of a text, one per label. */
  logits(text: string): Float64Array {
    const out = new Float64Array(this.model.classes);
    logitsInto(this.model, this.featuriser.transform(text), out);
    return out;
  }

  /** Calibrated probabilities of a text, one per label (in `labels` order). */
  probabilities(text: string): Float64Array {
    const p = this.logits(text);
    softmaxInPlace(p, this.model.classes, this.temperature);
    return p;
  }

  /** The classifier as an artifact: labels, temperature, featuriser state, weights and bias. */
  toArtifact(): ArtifactContents {
    const { keys, idf } = this.featuriser.state;
    return {
      kind: ARTIFACT_KIND,
      version: 1,
      meta: {
        labels: [...this.labels],
        temperature: this.temperature,
        features: this.model.features,
        ...this.featuriser.savedMeta(),
        info: this.info,
      },
      sections: { keys, idf, weights: this.model.weights, bias: this.model.bias },
    };
  }

  /** Loads a classifier saved with {@link LinearTextClassifier.save}; throws `ArtifactError` when unusable. */
  static load(path: string): LinearTextClassifier {
    return LinearTextClassifier.fromArtifact(readArtifactFile(path, { kind: ARTIFACT_KIND, versions: [1] }));
  }

  /** Rebuilds a classifier from a decoded artifact. */
  static fromArtifact(artifact: LoadedArtifact): LinearTextClassifier {
    const meta = artifact.meta as unknown as {
      labels: string[];
      temperature: number;
      features: number;
      ngrams: NgramOptions;
      minDf: number;
      wordShare: number;
      documents: number;
      info: { [key: string]: JsonValue };
    };
    const featuriser = TfidfFeaturiser.fromSaved(meta, artifact.sections);
    return new LinearTextClassifier({
      labels: meta.labels,
      featuriser,
      model: {
        features: meta.features,
        classes: meta.labels.length,
        weights: artifact.sections.weights as Float32Array,
        bias: artifact.sections.bias as Float32Array,
      },
      temperature: meta.temperature,
      info: meta.info,
    });
  }
}
