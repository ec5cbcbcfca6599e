import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { DatasetError } from "../errors/ml-errors.ts";
import type { TextClassifier } from "../steps/step-kinds.ts";
import { type ClassificationReport, evaluateLabels } from "./classification-report.ts";
import { checkExamples, type LabelledExample } from "./labelled-example.ts";
import { LinearTextClassifier } from "./linear-text-classifier.ts";
import { logitsInto, trainSoftmaxRegression } from "./softmax-regression.ts";
import type { SparseVector } from "./sparse-vector.ts";
import { splitDataset } from "./split-dataset.ts";
import { fitTemperature } from "./temperature-scaling.ts";
import { TfidfFeaturiser, type TfidfOptions } from "./tfidf-featuriser.ts";

// Chosen on the Banking77 dev split (bench/ml/classifier.bench.ts --variants): 20 epochs and a
// lighter penalty converge further than 8 epochs at 1e-5 (+0.6 points); dropping n-grams seen in one
// text only halves the weights at no cost in accuracy.
const DEFAULTS = { epochs: 20, lambda: 3e-6, minDf: 2 };

/** Where training is, for progress bars. */
export interface TrainingProgress {
  phase: "featurise" | "train" | "calibrate" | "evaluate";
  /** Units done in this phase (epochs while training). */
  done: number;
  total: number;
}

/** Options of {@link trainClassifier}. */
export interface TrainClassifierOptions extends TfidfOptions {
  /** Drop n-grams found in fewer training texts than this (default 2 here). */
  minDf?: number;
  /** The allowed labels, in the order the model lists them (default: the labels found, sorted). */
  labels?: readonly string[];
  /** Labelled examples to report accuracy and per-class F1 on (never trained on). */
  dev?: readonly LabelledExample[];
  /**
   * Examples to fit the probability temperature on. Default: `dev` when given (the temperature never
   * changes which label wins, so dev accuracy stays an honest figure, and no training data is held
   * back); else a stratified `calibrationShare` of the training examples, held out from training.
   */
  calibrateOn?: readonly LabelledExample[];
  /** Share of the examples held out for the temperature when neither `calibrateOn` nor `dev` is given (default 0.1). */
  calibrationShare?: number;
  /** Passes of SGD over the data (default 20). */
  epochs?: number;
  /** L2 penalty per example (default 3e-6). */
  lambda?: number;
  /** Initial learning rate (default 0.5). */
  eta0?: number;
  /** Seed of the split and the shuffles (default 1): the same data and seed give the same model. */
  seed?: number;
  /** `"balanced"` weighs each class inversely to its frequency (default `"none"`). */
  classWeights?: "none" | "balanced";
  onProgress?: (progress: TrainingProgress) => void;
}

/** What training did and how well the result does. */
export interface TrainingReport {
  examples: { train: number; calibration: number; dev: number };
  classes: number;
  features: number;
  temperature: number;
  /** Negative log-likelihood on the calibration examples before and after the temperature. */
  calibrationNll: { before: number; after: number };
  /** Wall time of the whole training (features, SGD, calibration), in milliseconds. */
  trainingMs: number;
  /** Accuracy, macro-F1 and per-class scores (worst first) on `dev`, when given. */
  dev?: ClassificationReport;
}

/**
 * Trains a text classifier: hashed word and character n-gram TF-IDF features, a multinomial
 * logistic regression by SGD, and temperature scaling on held-out examples. Checks the data first
 * (empty data, blank cells, labels outside `labels`, classes with one example are `DatasetError`s
 * naming the lines). Deterministic for a seed.
 *
 * @example
 * const { classifier, report } = await trainClassifier(train, { dev, labels: INTENTS });
 * classifier.save("artifacts/banking77.classifier");
 * console.log(report.dev?.accuracy, report.trainingMs);
 */
export async function trainClassifier(
  examples: readonly LabelledExample[],
  options: TrainClassifierOptions = {},
): Promise<{ classifier: LinearTextClassifier; report: TrainingReport }> {
  const { labels, featuriser, x, y, seed, progress, epochProgress, calibrate, exampleCounts, finish } =
    await prepareTraining(examples, options);

  const epochs = options.epochs ?? DEFAULTS.epochs;
  const lambda = options.lambda ?? DEFAULTS.lambda;
  const model = await trainSoftmaxRegression(x, y, {
    features: featuriser.size,
    classes: labels.length,
    epochs,
    lambda,
    eta0: options.eta0 ?? 0.5,
    seed,
    ...(options.classWeights === "balanced" ? { classWeights: balancedWeights(y, labels.length) } : {}),
    onEpoch: epochProgress(),
  });

  progress({ phase: "calibrate", done: 0, total: 1 });
  const calibration = calibrate((v, out) => logitsInto(model, v, out));
  progress({ phase: "calibrate", done: 1, total: 1 });

  const classifier = new LinearTextClassifier({
    labels,
    featuriser,
    model,
    temperature: calibration.temperature,
    info: {
      trainer: "sgd-softmax@1",
      seed,
      epochs,
      lambda,
      eta0: options.eta0 ?? 0.5,
      classWeights: options.classWeights ?? "none",
      ...exampleCounts,
    },
  });
  const report = await finish(classifier, calibration);
  return { classifier, report };
}

function balancedWeights(y: Int32Array, classes: number): Float32Array {
  const counts = new Float32Array(classes);
  for (const c of y) counts[c] = (counts[c] as number) + 1;
  const out = new Float32Array(classes);
  for (let k = 0; k < classes; k++)
    out[k] = (counts[k] as number) > 0 ? y.length / (classes * (counts[k] as number)) : 0;
  return out;
}

/** What {@link prepareTraining} hands a trainer: checked data, its split and its TF-IDF rows. */
export interface PreparedTraining {
  labels: string[];
  classOf: Map<string, number>;
  split: { train: LabelledExample[]; dev: LabelledExample[] };
  featuriser: TfidfFeaturiser;
  x: SparseVector[];
  y: Int32Array;
  seed: number;
  progress: (progress: TrainingProgress) => void;
  /** The `onEpoch` of an SGD trainer: reports `train` progress `offset` epochs in, out of `total` (default: the trainer's own). */
  epochProgress: (offset?: number, total?: number) => (done: number, epochs: number) => Promise<void>;
  /** Fits a temperature on the held-out examples' logits, as `write` computes them into a row of `labels.length`. */
  calibrate: (write: (v: SparseVector, out: Float64Array) => void) => ReturnType<typeof fitCalibration>;
  /** Training and calibration example counts, in the order the artifacts' `info` keeps them. */
  exampleCounts: { trainExamples: number; calibrationExamples: number };
  /** {@link finishReport} for this training run, with the temperature and NLL the report shows. */
  finish: (
    classifier: TextClassifier,
    calibration: ReturnType<typeof fitCalibration>,
  ) => Promise<TrainingReport>;
}

/**
 * The first half of every trainer: checks the data, fixes the label order, holds out the examples
 * the temperature is fitted on, and fits the TF-IDF featuriser on the training part.
 */
export async function prepareTraining(
  examples: readonly LabelledExample[],
  options: TrainClassifierOptions,
  defaults: { minDf: number } = DEFAULTS,
): Promise<PreparedTraining> {
  const started = performance.now();
  const seed = options.seed ?? 1;
  checkExamples(examples, {
    minPerClass: 2,
    source: "training data",
    ...(options.labels ? { labels: options.labels } : {}),
  });
  if (options.dev)
    checkExamples(options.dev, {
      minPerClass: 1,
      source: "dev data",
      ...(options.labels ? { labels: options.labels } : {}),
    });
  const labels = options.labels ? [...options.labels] : [...new Set(examples.map((e) => e.label))].sort();
  // Classes the examples have, not the label set's size: a set of 77 with examples of one is one.
  const present = [...new Set(examples.map((e) => e.label))];
  if (labels.length < 2 || present.length < 2) {
    throw new DatasetError(
      `training data: only one class ("${present[0] ?? labels[0]}") has examples; a classifier needs examples of at least two.`,
      {
        details: { labels, present },
      },
    );
  }
  const classOf = new Map(labels.map((l, i) => [l, i]));
  const heldOutSet = options.calibrateOn ?? options.dev;
  const split = heldOutSet
    ? { train: [...examples], dev: [...heldOutSet] }
    : splitDataset(examples, { seed, devShare: options.calibrationShare ?? 0.1, stratify: true });
  const progress = options.onProgress ?? (() => {});

  progress({ phase: "featurise", done: 0, total: 1 });
  const { featuriser, vectors: x } = TfidfFeaturiser.fitTransform(
    split.train.map((e) => e.text),
    {
      ...(options.ngrams ? { ngrams: options.ngrams } : {}),
      minDf: options.minDf ?? defaults.minDf,
      ...(options.wordShare === undefined ? {} : { wordShare: options.wordShare }),
    },
  );
  const y = Int32Array.from(split.train, (e) => classOf.get(e.label) as number);
  progress({ phase: "featurise", done: 1, total: 1 });
  await yieldToEventLoop();

  const epochProgress =
    (offset = 0, total?: number) =>
    async (done: number, epochs: number): Promise<void> => {
      progress({ phase: "train", done: offset + done, total: total ?? epochs });
      await yieldToEventLoop();
    };
  // Featurised on the first calibration and kept for the next, so that both models see the same rows.
  let heldOut: { x: SparseVector[]; y: Int32Array } | undefined;
  const calibrate = (write: (v: SparseVector, out: Float64Array) => void) => {
    heldOut ??= {
      x: split.dev.map((e) => featuriser.transform(e.text)),
      y: Int32Array.from(split.dev, (e) => classOf.get(e.label) as number),
    };
    const logits = heldOut.x.map((v) => {
      const out = new Float64Array(labels.length);
      write(v, out);
      return out;
    });
    return fitCalibration(logits, heldOut.y, labels.length);
  };
  const finish = (classifier: TextClassifier, calibration: ReturnType<typeof fitCalibration>) =>
    finishReport(classifier, options, { started, split, features: featuriser.size, ...calibration });
  const exampleCounts = { trainExamples: split.train.length, calibrationExamples: split.dev.length };
  return {
    labels,
    classOf,
    split,
    featuriser,
    x,
    y,
    seed,
    progress,
    epochProgress,
    calibrate,
    exampleCounts,
    finish,
  };
}

/** The temperature fitted on held-out logits, and their negative log-likelihood before and after it. */
export function fitCalibration(
  logits: readonly Float64Array[],
  y: Int32Array,
  classes: number,
): { temperature: number; calibrationNll: { before: number; after: number } } {
  const temperature = fitTemperature(logits, y, classes);
  return {
    temperature,
    calibrationNll: { before: meanNll(logits, y, 1), after: meanNll(logits, y, temperature) },
  };
}

/** The second half of every trainer: the report, with dev accuracy and per-class F1 when dev was given. */
export async function finishReport(
  classifier: TextClassifier,
  options: TrainClassifierOptions,
  facts: {
    started: number;
    split: { train: readonly LabelledExample[]; dev: readonly LabelledExample[] };
    features: number;
    temperature: number;
    calibrationNll: { before: number; after: number };
  },
): Promise<TrainingReport> {
  const { split } = facts;
  const report: TrainingReport = {
    examples: { train: split.train.length, calibration: split.dev.length, dev: options.dev?.length ?? 0 },
    classes: classifier.labels.length,
    features: facts.features,
    temperature: facts.temperature,
    calibrationNll: facts.calibrationNll,
    trainingMs: performance.now() - facts.started,
  };
  if (options.dev) {
    const progress = options.onProgress ?? (() => {});
    progress({ phase: "evaluate", done: 0, total: options.dev.length });
    const predicted = options.dev.map((e) => classifier.predict(e.text, { top: 1 }).label);
    report.dev = evaluateLabels(
      options.dev.map((e) => e.label),
      predicted,
    );
    progress({ phase: "evaluate", done: options.dev.length, total: options.dev.length });
  }
  return report;
}

function meanNll(logits: readonly Float64Array[], y: Int32Array, temperature: number): number {
  if (logits.length === 0) return 0;
  let sum = 0;
  logits.forEach((z, i) => {
    let max = Number.NEGATIVE_INFINITY;
    for (const v of z) max = Math.max(max, v / temperature);
    let s = 0;
    for (const v of z) s += Math.exp(v / temperature - max);
    sum -= (z[y[i] as number] as number) / temperature - max - Math.log(s);
  });
  return sum / logits.length;
}
