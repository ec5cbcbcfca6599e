import type { JsonValue } from "../types.ts";
import { type ArtifactContents, type LoadedArtifact, readArtifactFile } from "./artifact-file.ts";
import { ArtifactTextClassifier } from "./artifact-text-classifier.ts";
import {
  type HiddenMemory,
  type NeighbourSearch,
  type NeighbourVoting,
  NeuralForward,
} from "./neural-forward.ts";
import type { NgramOptions } from "./ngram-hasher.ts";
import { type SoftmaxModel, softmaxInPlace } from "./softmax-regression.ts";
import type { SparseMlpModel } from "./sparse-mlp.ts";
import { TfidfFeaturiser } from "./tfidf-featuriser.ts";

/** Artifact kind of a {@link NeuralTextClassifier}. */
export const NEURAL_CLASSIFIER_KIND = "neural-text-classifier";

/** Format versions {@link NeuralTextClassifier} reads: 1 without the hidden-layer memory, 2 with it. */
export const NEURAL_CLASSIFIER_VERSIONS = [1, 2] as const;

/**
 * The kNN half of a {@link NeuralTextClassifier}: the training texts' hidden activations and labels,
 * how their nearest ones vote, and the vote's weight in the final probabilities.
 */
export interface HiddenNeighbours extends HiddenMemory, NeighbourVoting {
  /** Weight of the neighbours' vote; the models' mean gets the rest. */
  weight: number;
}

/**
 * A text classifier that averages two models over the same TF-IDF features of hashed word and
 * character n-grams: a one-hidden-layer perceptron (which shares strength between n-grams through
 * its hidden units) and a softmax regression. Each model's logits are divided by its own fitted
 * temperature; the label's confidence is the mean of the two calibrated probabilities, interpolated
 * (as kNN-LM does) with the vote of the training texts nearest in the perceptron's hidden space when
 * the classifier holds them (`neighbours`, artifact version 2). Built by
 * `trainNeuralClassifier`, saved and loaded as a versioned binary artifact whose content hash goes
 * into fingerprints.
 *
 * @example
 * const model = NeuralTextClassifier.load("artifacts/banking77.classifier");
 * model.predict("my card still has not arrived"); // { label: "card_arrival", confidence: 0.97, top }
 */
export class NeuralTextClassifier extends ArtifactTextClassifier {
  readonly mlp: SparseMlpModel;
  readonly linear: SoftmaxModel;
  /** Temperatures of the perceptron's and the linear model's logits (fitted on held-out data). */
  readonly temperatures: { mlp: number; linear: number };
  /** Weight of the perceptron's probabilities in the mean (the linear model gets the rest). */
  readonly mlpWeight: number;
  /** The hidden-layer kNN memory and its vote, or undefined (version-1 artifacts). */
  readonly neighbours: HiddenNeighbours | undefined;
  /** How the memory's nearest texts are found (same texts either way; see {@link NeuralForward}). Not saved. */
  readonly neighbourSearch: NeighbourSearch;
  /** Built on first use, so that loading stays a plain read of the file. */
  #forward: NeuralForward | undefined;
  readonly #scratch: Float64Array;
  readonly #votes: Float64Array;

  constructor(fields: {
    labels: readonly string[];
    featuriser: TfidfFeaturiser;
    mlp: SparseMlpModel;
    linear: SoftmaxModel;
    temperatures: { mlp: number; linear: number };
    mlpWeight: number;
    neighbours?: HiddenNeighbours | undefined;
    neighbourSearch?: NeighbourSearch;
    info?: { [key: string]: JsonValue };
  }) {
    super(fields);
    this.mlp = fields.mlp;
    this.linear = fields.linear;
    this.temperatures = fields.temperatures;
    this.mlpWeight = fields.mlpWeight;
    this.neighbours = fields.neighbours;
    this.neighbourSearch = fields.neighbourSearch ?? "int8";
    this.#scratch = new Float64Array(fields.labels.length);
    this.#votes = new Float64Array(fields.labels.length);
  }

  /** Bytes held by the weights and featuriser tables. */
  get memoryBytes(): number {
    const { keys, idf } = this.featuriser.state;
    const { w1, b1, w2, b2 } = this.mlp;
    // The featuriser's key → column Map costs about 40 bytes per entry in V8.
    return (
      [w1, b1, w2, b2, this.linear.weights, this.linear.bias, keys, idf].reduce(
        (n, a) => n + a.byteLength,
        0,
      ) +
      (this.neighbours ? this.neighbours.vectors.byteLength + this.neighbours.labels.byteLength : 0) +
      keys.length * 40
    );
  }

  /** The perceptron's hidden activations of a text (ReLU outputs): a learned representation, e.g. for kNN. */
  hidden(text: string): Float64Array {
    const out = new Float64Array(this.mlp.hidden);
    this.#forwardPass().hiddenInto(this.featuriser.transform(text), out);
    return out;
  }

  /** Calibrated probabilities of a text, one per label (in `labels` order). */
  probabilities(text: string): Float64Array {
    const K = this.labels.length;
    const x = this.featuriser.transform(text);
    const p = new Float64Array(K);
    const q = this.#scratch;
    const n = this.neighbours;
    const votes = this.#votes;
    this.#forwardPass().logitsInto(x, p, q, n ? { k: n.k, tau: n.tau, out: votes } : undefined);
    softmaxInPlace(p, K, this.temperatures.mlp);
    softmaxInPlace(q, K, this.temperatures.linear);
    const w = this.mlpWeight;
    for (let k = 0; k < K; k++) p[k] = w * (p[k] as number) + (1 - w) * (q[k] as number);
    // A text that activates no hidden unit has no neighbours: the models' mean stands alone.
    if (n && votes.some((v) => v > 0)) {
      for (let k = 0; k < K; k++) p[k] = (1 - n.weight) * (p[k] as number) + n.weight * (votes[k] as number);
    }
    return p;
  }

  #forwardPass(): NeuralForward {
    this.#forward ??= new NeuralForward(this.mlp, this.linear, this.neighbours, this.neighbourSearch);
    return this.#forward;
  }

  /**
   * The classifier as an artifact: labels, temperatures, featuriser state, both models' weights, and
   * the hidden-layer memory when there is one (version 2; without it, version 1 as before).
   */
  toArtifact(): ArtifactContents {
    const { keys, idf } = this.featuriser.state;
    const n = this.neighbours;
    return {
      kind: NEURAL_CLASSIFIER_KIND,
      version: n ? 2 : 1,
      meta: {
        labels: [...this.labels],
        temperatures: { ...this.temperatures },
        mlpWeight: this.mlpWeight,
        ...(n ? { neighbours: { k: n.k, tau: n.tau, weight: n.weight, size: n.labels.length } } : {}),
        features: this.mlp.features,
        hidden: this.mlp.hidden,
        ...this.featuriser.savedMeta(),
        info: this.info,
      },
      sections: {
        keys,
        idf,
        w1: this.mlp.w1,
        b1: this.mlp.b1,
        w2: this.mlp.w2,
        b2: this.mlp.b2,
        weights: this.linear.weights,
        bias: this.linear.bias,
        ...(n ? { memory: n.vectors, memoryLabels: n.labels } : {}),
      },
    };
  }

  /** Loads a classifier saved with {@link NeuralTextClassifier.save}; throws `ArtifactError` when unusable. */
  static load(path: string): NeuralTextClassifier {
    return NeuralTextClassifier.fromArtifact(
      readArtifactFile(path, { kind: NEURAL_CLASSIFIER_KIND, versions: NEURAL_CLASSIFIER_VERSIONS }),
    );
  }

  /** Rebuilds a classifier from a decoded artifact. */
  static fromArtifact(artifact: LoadedArtifact): NeuralTextClassifier {
    const meta = artifact.meta as unknown as {
      labels: string[];
      temperatures: { mlp: number; linear: number };
      mlpWeight: number;
      neighbours?: { k: number; tau: number; weight: number };
      features: number;
      hidden: number;
      ngrams: NgramOptions;
      minDf: number;
      wordShare: number;
      documents: number;
      info: { [key: string]: JsonValue };
    };
    const s = artifact.sections;
    const featuriser = TfidfFeaturiser.fromSaved(meta, s);
    const classes = meta.labels.length;
    return new NeuralTextClassifier({
      labels: meta.labels,
      featuriser,
      mlp: {
        features: meta.features,
        hidden: meta.hidden,
        classes,
        w1: s.w1 as Float32Array,
        b1: s.b1 as Float32Array,
        w2: s.w2 as Float32Array,
        b2: s.b2 as Float32Array,
      },
      linear: {
        features: meta.features,
        classes,
        weights: s.weights as Float32Array,
        bias: s.bias as Float32Array,
      },
      temperatures: meta.temperatures,
      mlpWeight: meta.mlpWeight,
      neighbours: meta.neighbours && {
        k: meta.neighbours.k,
        tau: meta.neighbours.tau,
        weight: meta.neighbours.weight,
        vectors: s.memory as Float32Array,
        labels: s.memoryLabels as Int32Array,
      },
      info: meta.info,
    });
  }
}
