/*
 * Multinomial logistic regression (softmax) with L2 regularisation, trained by stochastic gradient
 * descent on sparse TF-IDF rows.
 *
 * Why SGD: with ~10^4 examples, ~10^4–10^5 hashed features and ~10^2 classes, an epoch of SGD
 * touches only each example's ~150–300 non-zero features (× classes), so a pass costs about as much
 * as one gradient evaluation of a batch method; batch solvers (L-BFGS, Newton) need hundreds of such
 * passes plus dense K×F history vectors (hundreds of MB for L-BFGS), and SAG/SAGA need the same
 * per-feature bookkeeping for just-in-time updates with little gain in accuracy at this budget. The
 * schedule is η_t = η0 / (1 + η0·λ·t) (Bottou's, also scikit-learn's "optimal" rate); the L2 decay
 * is applied lazily by keeping W = scale·V, so that a step costs O(non-zeros × classes) rather than
 * O(features × classes). Deterministic for a seed: the shuffle uses a seeded generator and all
 * arithmetic is in a fixed order.
 */
import { indexOrder, seededRandom, shuffleIndices } from "./seeded-random.ts";
import { packExamples, packedStarts, type SparseVector } from "./sparse-vector.ts";
import { sgdKernels } from "./wasm/sgd-kernels.ts";

/** Options of {@link trainSoftmaxRegression}. */
export interface SoftmaxRegressionOptions {
  /** Number of columns of the feature rows. */
  features: number;
  /** Number of classes; labels are 0..classes-1. */
  classes: number;
  /** Passes over the data (default 8). */
  epochs?: number;
  /** L2 penalty per example (default 1e-5). */
  lambda?: number;
  /** Initial learning rate (default 0.5). */
  eta0?: number;
  /** Seed of the shuffles (default 1). */
  seed?: number;
  /**
   * Training-time augmentation (issue 13, round 7 prototype): `x` holds `views` stacked versions of
   * the same N examples (`y` of length N) and epoch e trains on version e mod `views`. Default 1.
   */
  views?: number;
  /** Per-class weight of the loss (default 1 for every class). */
  classWeights?: Float32Array;
  /** Called after each epoch (await-free); e.g. a progress bar. */
  onEpoch?: (epoch: number, epochs: number) => void | Promise<void>;
}

/** A trained softmax model: `weights[feature * classes + class]` and `bias[class]`. */
export interface SoftmaxModel {
  features: number;
  classes: number;
  weights: Float32Array;
  bias: Float32Array;
}

/**
 * Trains a multinomial logistic regression on sparse rows `x` with class indices `y`. The two inner
 * loops (logits of an example, update of its feature rows) run as WebAssembly SIMD kernels over a
 * weight matrix padded to a multiple of 4 classes; the softmax and the schedule stay in TypeScript.
 */
export async function trainSoftmaxRegression(
  x: readonly SparseVector[],
  y: Int32Array,
  options: SoftmaxRegressionOptions,
): Promise<SoftmaxModel> {
  const K = options.classes;
  const F = options.features;
  const Kp = Math.ceil(K / 4) * 4;
  const epochs = options.epochs ?? 8;
  const lambda = options.lambda ?? 1e-5;
  const eta0 = options.eta0 ?? 0.5;
  const random = seededRandom(options.seed ?? 1);

  // Memory: weights (F × Kp f32), logits/gradient (Kp f32), then every example's rows and values.
  const starts = packedStarts(x);
  const nnzTotal = starts[x.length] as number;
  const W = 0;
  const G = F * Kp * 4;
  const ROWS = G + Kp * 4;
  const VALS = ROWS + nnzTotal * 4;
  const { memory, kernels } = sgdKernels(VALS + nnzTotal * 4);
  const rows = new Int32Array(memory.buffer, ROWS, nnzTotal);
  const vals = new Float32Array(memory.buffer, VALS, nnzTotal);
  packExamples(x, starts, Kp * 4, rows, vals);
  const weights = new Float32Array(memory.buffer, W, F * Kp);
  const g = new Float32Array(memory.buffer, G, Kp);
  const p = new Float64Array(K);
  const bias = new Float64Array(K);
  const views = options.views ?? 1;
  if (!(Number.isInteger(views) && views >= 1 && x.length % views === 0)) {
    throw new RangeError(
      `trainSoftmaxRegression: views must be an integer >= 1 dividing the ${x.length} rows, got ${views}.`,
    );
  }
  const order = indexOrder(x.length / views);
  let scale = 1;
  let t = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    shuffleIndices(order, random);
    const view = (epoch % views) * order.length;
    for (let n = 0; n < order.length; n++) {
      const row = view + (order[n] as number);
      const yi = y[row % y.length] as number;
      const at = starts[row] as number;
      const nnz = (starts[row + 1] as number) - at;
      const lr = eta0 / (1 + eta0 * lambda * t++);
      g.fill(0);
      kernels.accumulate(ROWS + at * 4, VALS + at * 4, nnz, W, Kp, scale, G);
      for (let k = 0; k < K; k++) p[k] = (g[k] as number) + (bias[k] as number);
      softmaxInPlace(p, K);
      p[yi] = (p[yi] as number) - 1;
      const w = options.classWeights ? (options.classWeights[yi] as number) : 1;
      scale *= 1 - lr * lambda;
      for (let k = 0; k < K; k++) {
        g[k] = p[k] as number;
        bias[k] = (bias[k] as number) - lr * w * (p[k] as number);
      }
      kernels.update(ROWS + at * 4, VALS + at * 4, nnz, W, Kp, (lr * w) / scale, G);
      if (scale < 1e-9) {
        for (let q = 0; q < weights.length; q++) weights[q] = (weights[q] as number) * scale;
        scale = 1;
      }
    }
    await options.onEpoch?.(epoch + 1, epochs);
  }
  const out = new Float32Array(F * K);
  for (let f = 0; f < F; f++) {
    for (let k = 0; k < K; k++) out[f * K + k] = (weights[f * Kp + k] as number) * scale;
  }
  return { features: F, classes: K, weights: out, bias: Float32Array.from(bias) };
}

/** Writes the logits of row `x` into `out` (length ≥ classes). */
export function logitsInto(model: SoftmaxModel, x: SparseVector, out: Float64Array): void {
  const K = model.classes;
  const { weights, bias } = model;
  for (let k = 0; k < K; k++) out[k] = bias[k] as number;
  for (let j = 0; j < x.indices.length; j++) {
    const base = (x.indices[j] as number) * K;
    const v = x.values[j] as number;
    for (let k = 0; k < K; k++) out[k] = (out[k] as number) + v * (weights[base + k] as number);
  }
}

/** Turns the first `n` logits into probabilities, in place (max-shifted for stability). */
export function softmaxInPlace(z: Float64Array, n: number, temperature = 1): void {
  let max = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < n; k++) if ((z[k] as number) > max) max = z[k] as number;
  let sum = 0;
  for (let k = 0; k < n; k++) {
    const e = Math.exp(((z[k] as number) - max) / temperature);
    z[k] = e;
    sum += e;
  }
  for (let k = 0; k < n; k++) z[k] = (z[k] as number) / sum;
}
