import type { LabelledExample } from "./labelled-example.ts";
import { NeuralForward } from "./neural-forward.ts";
import { type HiddenNeighbours, NeuralTextClassifier } from "./neural-text-classifier.ts";
import { logitsInto, type SoftmaxModel, trainSoftmaxRegression } from "./softmax-regression.ts";
import { mlpLogitsInto, type SparseMlpModel, trainSparseMlp } from "./sparse-mlp.ts";
import type { SparseVector } from "./sparse-vector.ts";
import { prepareTraining, type TrainClassifierOptions, type TrainingReport } from "./train-classifier.ts";

// Chosen by the mean of 5 folds of the Banking77 training split AND its dev split
// (bench/ml/classifier-folds.bench.ts --variants): see bench/RESULTS.md, issue 13.
const DEFAULTS = {
  hidden: 256,
  mlpEpochs: 5,
  mlpEta0: 0.2,
  initScale: 0.1,
  mlpWeight: 0.5,
  epochs: 20,
  lambda: 3e-6,
  minDf: 2,
  // Round 3 (bench/RESULTS.md): 5 neighbours, sharp weights, half the vote: +0.5 dev / +0.7 fold mean accuracy.
  neighbours: { k: 5, tau: 0.05, weight: 0.5 },
};

/** Options of {@link trainNeuralClassifier}: those of `trainClassifier` (for the linear half) and the perceptron's. */
export interface TrainNeuralClassifierOptions extends Omit<TrainClassifierOptions, "classWeights"> {
  /** Hidden units of the perceptron (default 256). */
  hidden?: number;
  /** Passes of SGD of the perceptron (default 5). */
  mlpEpochs?: number;
  /** The perceptron's initial learning rate, decayed linearly to 0 (default 0.2). */
  mlpEta0?: number;
  /** Standard deviation of the perceptron's initial first-layer weights (default 0.1). */
  initScale?: number;
  /** Share of hidden units dropped per training step (default 0). */
  dropout?: number;
  /** The perceptron's label smoothing: share of each target spread over all classes (default 0). */
  labelSmoothing?: number;
  /** Polyak/SWA averaging of the perceptron's weights over the end of training (see `trainSparseMlp`; default none). */
  mlpAverage?: { from: number; snapshots: number };
  /** The perceptron's learning rate at the end, as a share of `mlpEta0` (default 0). */
  mlpEtaEnd?: number;
  /** Centre loss on the perceptron's hidden layer (see `trainSparseMlp`'s `centreLoss`; default none). */
  centreLoss?: { weight: number; rate: number };
  /**
   * Training-time augmentation of the perceptron (issue 13, round 7 prototype; default none): given
   * the training texts, returns versions of them (each aligned with the texts); epoch e trains on
   * version e mod their count. The featuriser, the linear model and the kNN memory keep the texts as given.
   */
  mlpViews?: (texts: readonly string[]) => readonly (readonly string[])[];
  /** With `mlpViews`: the linear model's epoch e trains on the same views (version e mod their count). */
  linearViews?: boolean;
  /** Weight of the perceptron's probabilities in the mean with the linear model's (default 0.5; 1 = perceptron only). */
  mlpWeight?: number;
  /**
   * The vote of the training texts nearest in the perceptron's hidden space (cosine), mixed into the
   * probabilities: `k` neighbours (default 5) weighted by exp(cosine / `tau`) (default 0.05), with
   * `weight` (default 0.5) against the models' mean. `false` leaves the kNN memory out (a version-1 artifact).
   */
  neighbours?: { k?: number; tau?: number; weight?: number } | false;
}

/**
 * Trains a {@link NeuralTextClassifier}: the TF-IDF features of `trainClassifier`, a one-hidden-layer
 * perceptron and a softmax regression over them, each with a temperature fitted on held-out
 * examples (dev when given, as in `trainClassifier`). Checks the data as `trainClassifier` does and
 * is deterministic for a seed.
 *
 * @example
 * const { classifier, report } = await trainNeuralClassifier(train, { dev, labels: INTENTS });
 * classifier.save("artifacts/banking77.classifier");
 */
export async function trainNeuralClassifier(
  examples: readonly LabelledExample[],
  options: TrainNeuralClassifierOptions = {},
): Promise<{ classifier: NeuralTextClassifier; report: TrainingReport }> {
  if (options.neighbours) checkNeighbourOptions(options.neighbours);
  const { labels, featuriser, x, y, seed, progress, epochProgress, calibrate, exampleCounts, finish, split } =
    await prepareTraining(examples, options, DEFAULTS);
  const K = labels.length;
  const mlpEpochs = options.mlpEpochs ?? DEFAULTS.mlpEpochs;
  const epochs = options.epochs ?? DEFAULTS.epochs;
  const total = mlpEpochs + epochs;
  const mlpSettings = {
    hidden: options.hidden ?? DEFAULTS.hidden,
    epochs: mlpEpochs,
    eta0: options.mlpEta0 ?? DEFAULTS.mlpEta0,
    initScale: options.initScale ?? DEFAULTS.initScale,
    dropout: options.dropout ?? 0,
    ...(options.labelSmoothing ? { labelSmoothing: options.labelSmoothing } : {}),
    ...(options.mlpAverage ? { average: { ...options.mlpAverage } } : {}),
    ...(options.mlpEtaEnd ? { etaEnd: options.mlpEtaEnd } : {}),
    ...(options.centreLoss ? { centreLoss: { ...options.centreLoss } } : {}),
  };
  const texts = split.train.map((e) => e.text);
  const views = options.mlpViews?.(texts);
  // A text a view leaves as it is keeps its row: only the perturbed ones are featurised.
  const mlpRows = views
    ? views.flatMap((view) =>
        view.map((t, i) => (t === texts[i] ? (x[i] as SparseVector) : featuriser.transform(t))),
      )
    : x;
  const mlp = await trainSparseMlp(mlpRows, y, {
    ...(views ? { views: views.length } : {}),
    features: featuriser.size,
    classes: K,
    seed,
    ...mlpSettings,
    onEpoch: epochProgress(0, total),
  });
  const linearSettings = { epochs, lambda: options.lambda ?? DEFAULTS.lambda, eta0: options.eta0 ?? 0.5 };
  const linear = await trainSoftmaxRegression(views && options.linearViews ? mlpRows : x, y, {
    ...(views && options.linearViews ? { views: views.length } : {}),
    features: featuriser.size,
    classes: K,
    seed,
    ...linearSettings,
    onEpoch: epochProgress(mlpEpochs, total),
  });

  progress({ phase: "calibrate", done: 0, total: 1 });
  const scratch = new Float64Array(mlp.hidden);
  const ofMlp = calibrate((v, out) => mlpLogitsInto(mlp, v, out, scratch));
  const ofLinear = calibrate((v, out) => logitsInto(linear, v, out));
  progress({ phase: "calibrate", done: 1, total: 1 });

  const neighbours =
    options.neighbours === false
      ? undefined
      : hiddenNeighbours(mlp, linear, x, y, { ...DEFAULTS.neighbours, ...options.neighbours });
  const classifier = new NeuralTextClassifier({
    labels,
    featuriser,
    mlp,
    linear,
    temperatures: { mlp: ofMlp.temperature, linear: ofLinear.temperature },
    mlpWeight: options.mlpWeight ?? DEFAULTS.mlpWeight,
    neighbours,
    info: {
      trainer: "sgd-mlp+softmax@1",
      seed,
      mlp: mlpSettings,
      linear: linearSettings,
      ...(neighbours
        ? { neighbours: { k: neighbours.k, tau: neighbours.tau, weight: neighbours.weight } }
        : {}),
      ...exampleCounts,
    },
  });
  // The report's single temperature and NLL are the perceptron's, the model that leads the mean.
  const report = await finish(classifier, ofMlp);
  return { classifier, report };
}

/** The kNN memory: every training row's hidden activations, L2-normalised (zero rows stay zero), and its class. */
function hiddenNeighbours(
  mlp: SparseMlpModel,
  linear: SoftmaxModel,
  x: readonly SparseVector[],
  y: Int32Array,
  voting: { k: number; tau: number; weight: number },
): HiddenNeighbours {
  const H = mlp.hidden;
  const vectors = new Float32Array(x.length * H);
  const h = new Float64Array(H);
  // The WebAssembly forward pass (the one predictions use): ~6× the plain-JS loop over 8.5k rows.
  const forward = new NeuralForward(mlp, linear);
  x.forEach((row, n) => {
    forward.hiddenInto(row, h);
    let norm = 0;
    for (let u = 0; u < H; u++) norm += (h[u] as number) ** 2;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let u = 0; u < H; u++) vectors[n * H + u] = (h[u] as number) * scale;
  });
  return { ...voting, vectors, labels: Int32Array.from(y) };
}

/** Refuses vote settings that would give NaN or meaningless probabilities, before any training. */
function checkNeighbourOptions(o: { k?: number; tau?: number; weight?: number }): void {
  const problems: string[] = [];
  if (o.k !== undefined && !(Number.isInteger(o.k) && o.k >= 1))
    problems.push(`k must be an integer >= 1, got ${o.k}`);
  if (o.tau !== undefined && !(Number.isFinite(o.tau) && o.tau > 0))
    problems.push(`tau must be a number > 0, got ${o.tau}`);
  if (o.weight !== undefined && !(o.weight >= 0 && o.weight <= 1))
    problems.push(`weight must be in [0, 1], got ${o.weight}`);
  if (problems.length > 0) {
    throw new RangeError(
      `trainNeuralClassifier: options.neighbours: ${problems.join("; ")}. Fix the option, or pass neighbours: false for no vote.`,
    );
  }
}
