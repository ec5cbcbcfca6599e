/*
 * A one-hidden-layer perceptron (ReLU, softmax output) over sparse TF-IDF rows, trained by SGD one
 * example at a time with a linearly decaying rate (fastText's schedule).
 *
 * Why it is cheap: the first layer is F × H but an example touches only its ~200 non-zero features'
 * rows, so a step costs O(nnz × H) for the forward pass and the same for the update, never O(F × H).
 * Both run as the softmax regression's WebAssembly SIMD kernels (`accumulate` and `update`, which
 * work for any row width that is a multiple of 4). The second layer reuses the same kernels with
 * the active (non-zero) hidden units as a sparse row, so ReLU's zeros are skipped too.
 * Deterministic for a seed: seeded initialisation and shuffles, fixed-order arithmetic.
 */
import { indexOrder, seededRandom, shuffleIndices } from "./seeded-random.ts";
import { softmaxInPlace } from "./softmax-regression.ts";
import { packExamples, packedStarts, type SparseVector } from "./sparse-vector.ts";
import { sgdKernels } from "./wasm/sgd-kernels.ts";

/** Options of {@link trainSparseMlp}. */
export interface SparseMlpOptions {
  /** Number of columns of the feature rows. */
  features: number;
  /** Number of classes; labels are 0..classes-1. */
  classes: number;
  /** Hidden units (rounded up to a multiple of 4; default 256). */
  hidden?: number;
  /** Passes over the data (default 10). */
  epochs?: number;
  /** Initial learning rate, decayed linearly to 0 (default 0.2). */
  eta0?: number;
  /** Standard deviation of the first layer's initial weights (default 0.5: inputs have unit length). */
  initScale?: number;
  /** Share of hidden units dropped per training step (default 0). */
  dropout?: number;
  /** Share of the target moved evenly onto every class (label smoothing; default 0). */
  labelSmoothing?: number;
  /** L2 weight decay per step, applied to the second layer (default 0). */
  lambda?: number;
  /**
   * Polyak/SWA averaging: the model returned is the mean of `snapshots` copies of the weights taken
   * at even steps over the last `from` share of training (the last copy is the final weights).
   * Default: none (the final weights).
   */
  average?: { from: number; snapshots: number };
  /** The learning rate at the end of training, as a share of `eta0` (linear decay; default 0). */
  etaEnd?: number;
  /**
   * Training-time augmentation (issue 13, round 7 prototype): `x` holds `views` stacked versions of
   * the same N examples (x.length = views × N, `y` of length N or x.length), and epoch e trains on
   * version e mod `views`, in the same shuffled order as without it. Default 1 (the rows as given).
   */
  views?: number;
  /**
   * Centre loss on the hidden layer (issue 13, round 8): each class keeps a running centre of its
   * examples' hidden activations (moved by `rate` toward each one), and from the second epoch every
   * step adds `weight` × (1 − cos(hidden, centre of its class)) to the loss, so that texts of one
   * label sit closer together in the space the kNN vote searches. Default: none.
   */
  centreLoss?: { weight: number; rate: number };
  /** Seed of the initialisation and shuffles (default 1). */
  seed?: number;
  /** Called after each epoch; e.g. a progress bar. */
  onEpoch?: (epoch: number, epochs: number) => void | Promise<void>;
}

/**
 * A trained sparse MLP: `w1[feature * hidden + unit]`, `b1[unit]`, `w2[unit * classes + class]`,
 * `b2[class]`. Logits are `w2ᵀ relu(w1ᵀ x + b1) + b2`.
 */
export interface SparseMlpModel {
  features: number;
  hidden: number;
  classes: number;
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
}

/**
 * Trains a {@link SparseMlpModel} on sparse rows `x` with class indices `y`.
 *
 * @example
 * const mlp = await trainSparseMlp(vectors, y, { features: f.size, classes: 77, hidden: 256 });
 */
export async function trainSparseMlp(
  x: readonly SparseVector[],
  y: Int32Array,
  options: SparseMlpOptions,
): Promise<SparseMlpModel> {
  const K = options.classes;
  const F = options.features;
  const H = Math.ceil((options.hidden ?? 256) / 4) * 4;
  const Kp = Math.ceil(K / 4) * 4;
  const epochs = options.epochs ?? 10;
  const eta0 = options.eta0 ?? 0.2;
  const dropout = options.dropout ?? 0;
  const lambda = options.lambda ?? 0;
  const smoothing = options.labelSmoothing ?? 0;
  const etaEnd = options.etaEnd ?? 0;
  const random = seededRandom(options.seed ?? 1);

  const starts = packedStarts(x);
  const nnzTotal = starts[x.length] as number;
  // One WebAssembly memory: W1 (F × H), W2 (H × Kp), the hidden and output vectors and their
  // gradients, the active units as a sparse row, then every example's row offsets and values.
  let at = 0;
  const take = (bytes: number): number => {
    const start = at;
    at += Math.ceil(bytes / 16) * 16;
    return start;
  };
  const W1 = take(F * H * 4);
  const W2 = take(H * Kp * 4);
  const HID = take(H * 4);
  const DH = take(H * 4);
  const Z = take(Kp * 4);
  const DZ = take(Kp * 4);
  const AROWS = take(H * 4);
  const AVALS = take(H * 4);
  const ROWS = take(nnzTotal * 4);
  const VALS = take(nnzTotal * 4);
  const { memory, kernels } = sgdKernels(at);
  const buffer = memory.buffer;
  const w1 = new Float32Array(buffer, W1, F * H);
  const w2 = new Float32Array(buffer, W2, H * Kp);
  const hid = new Float32Array(buffer, HID, H);
  const dh = new Float32Array(buffer, DH, H);
  const z = new Float32Array(buffer, Z, Kp);
  const dz = new Float32Array(buffer, DZ, Kp);
  const arows = new Int32Array(buffer, AROWS, H);
  const avals = new Float32Array(buffer, AVALS, H);
  const rows = new Int32Array(buffer, ROWS, nnzTotal);
  const vals = new Float32Array(buffer, VALS, nnzTotal);
  packExamples(x, starts, H * 4, rows, vals);
  const initScale = options.initScale ?? 0.5;
  for (let q = 0; q < w1.length; q++) w1[q] = gaussian(random) * initScale;
  const limit2 = Math.sqrt(6 / (H + K));
  for (let u = 0; u < H; u++) {
    for (let k = 0; k < K; k++) w2[u * Kp + k] = (2 * random() - 1) * limit2;
  }
  const b1 = new Float64Array(H);
  const b2 = new Float64Array(K);
  const p = new Float64Array(K);
  const keep = 1 / (1 - dropout);
  const views = options.views ?? 1;
  if (!(Number.isInteger(views) && views >= 1 && x.length % views === 0)) {
    throw new RangeError(
      `trainSparseMlp: views must be an integer >= 1 dividing the ${x.length} rows, got ${views}.`,
    );
  }
  const centre = options.centreLoss;
  if (centre && !(centre.weight >= 0 && centre.rate > 0 && centre.rate <= 1)) {
    throw new RangeError(
      `trainSparseMlp: centreLoss needs weight >= 0 and 0 < rate <= 1, got weight ${centre.weight}, rate ${centre.rate}.`,
    );
  }
  const centres = centre ? new Float64Array(K * H) : undefined;
  const h = centre ? new Float64Array(H) : undefined;
  const order = indexOrder(x.length / views);
  const steps = epochs * order.length;
  const average = options.average ? new WeightAverage(options.average, steps, F * H, H, K) : undefined;
  let t = 0;
  let decay = 1;
  for (let epoch = 0; epoch < epochs; epoch++) {
    shuffleIndices(order, random);
    const view = (epoch % views) * order.length;
    for (let n = 0; n < order.length; n++) {
      const row = view + (order[n] as number);
      const s = starts[row] as number;
      const nnz = (starts[row + 1] as number) - s;
      const lr = eta0 * (1 - (1 - etaEnd) * (t++ / steps));
      hid.fill(0);
      kernels.accumulate(ROWS + s * 4, VALS + s * 4, nnz, W1, H, 1, HID);
      let active = 0;
      h?.fill(0);
      for (let u = 0; u < H; u++) {
        const v = (hid[u] as number) + (b1[u] as number);
        if (v <= 0 || (dropout > 0 && random() < dropout)) continue;
        if (h) h[u] = v * keep;
        arows[active] = u * Kp * 4;
        avals[active++] = v * keep;
      }
      z.fill(0);
      kernels.accumulate(AROWS, AVALS, active, W2, Kp, decay, Z);
      for (let k = 0; k < K; k++) p[k] = (z[k] as number) + (b2[k] as number);
      softmaxInPlace(p, K);
      const yi = y[row % y.length] as number;
      if (smoothing > 0) for (let k = 0; k < K; k++) p[k] = (p[k] as number) - smoothing / K;
      p[yi] = (p[yi] as number) - (1 - smoothing);
      for (let k = 0; k < K; k++) {
        dz[k] = p[k] as number;
        b2[k] = (b2[k] as number) - lr * (p[k] as number);
      }
      // The hidden gradient uses W2 before its update; inactive units get none.
      dh.fill(0);
      const pull = centre && centres && h && epoch > 0 ? centrePull(centres, yi * H, h) : undefined;
      for (let a = 0; a < active; a++) {
        const base = (arows[a] as number) >> 2;
        let g = 0;
        for (let k = 0; k < K; k++) g += (w2[base + k] as number) * (dz[k] as number);
        const u = base / Kp;
        if (pull && centres && h && centre) {
          // d/dh of weight × (1 − cos(h, c)) = −weight × (c/‖c‖ − cos · h/‖h‖) / ‖h‖.
          g -=
            (centre.weight *
              ((centres[yi * H + u] as number) / pull.cNorm - (pull.cos * (h[u] as number)) / pull.hNorm)) /
            pull.hNorm;
        }
        dh[u] = g * decay * keep;
        b1[u] = (b1[u] as number) - lr * g * decay * keep;
      }
      if (centre && centres && h) {
        const c0 = yi * H;
        for (let u = 0; u < H; u++) {
          centres[c0 + u] =
            (centres[c0 + u] as number) + centre.rate * ((h[u] as number) - (centres[c0 + u] as number));
        }
      }
      if (lambda > 0) decay *= 1 - lr * lambda;
      kernels.update(AROWS, AVALS, active, W2, Kp, lr / decay, DZ);
      kernels.update(ROWS + s * 4, VALS + s * 4, nnz, W1, H, lr, DH);
      if (decay < 1e-6) {
        for (let q = 0; q < w2.length; q++) w2[q] = (w2[q] as number) * decay;
        decay = 1;
      }
      if (average?.due(t)) average.add(w1, b1, unpad(w2, decay), b2);
    }
    await options.onEpoch?.(epoch + 1, epochs);
  }
  if (average) return { features: F, hidden: H, classes: K, ...average.mean() };
  return {
    features: F,
    hidden: H,
    classes: K,
    w1: Float32Array.from(w1),
    b1: Float32Array.from(b1),
    w2: unpad(w2, decay),
    b2: Float32Array.from(b2),
  };

  /** The H × K second layer out of its padded H × Kp rows, with the pending weight decay applied. */
  function unpad(padded: Float32Array, scale: number): Float32Array {
    const out = new Float32Array(H * K);
    for (let u = 0; u < H; u++) {
      for (let k = 0; k < K; k++) out[u * K + k] = (padded[u * Kp + k] as number) * scale;
    }
    return out;
  }
}

/** Norms and cosine of the hidden vector `h` and the centre at `centres[c0…]`, or undefined when either is zero. */
function centrePull(
  centres: Float64Array,
  c0: number,
  h: Float64Array,
): { cNorm: number; hNorm: number; cos: number } | undefined {
  let cNorm = 0;
  let hNorm = 0;
  let dot = 0;
  for (let u = 0; u < h.length; u++) {
    const c = centres[c0 + u] as number;
    const v = h[u] as number;
    cNorm += c * c;
    hNorm += v * v;
    dot += c * v;
  }
  if (cNorm === 0 || hNorm === 0) return undefined;
  cNorm = Math.sqrt(cNorm);
  hNorm = Math.sqrt(hNorm);
  return { cNorm, hNorm, cos: dot / (cNorm * hNorm) };
}

/** Running sums of weight snapshots taken at even steps over the end of training (Polyak/SWA). */
class WeightAverage {
  readonly #at: number[];
  readonly #w1: Float64Array;
  readonly #b1: Float64Array;
  readonly #w2: Float64Array;
  readonly #b2: Float64Array;
  #taken = 0;

  constructor(
    o: { from: number; snapshots: number },
    steps: number,
    w1: number,
    hidden: number,
    classes: number,
  ) {
    if (!(o.from > 0 && o.from <= 1 && Number.isInteger(o.snapshots) && o.snapshots >= 1)) {
      throw new RangeError(
        `trainSparseMlp: average needs 0 < from <= 1 and an integer snapshots >= 1, got from ${o.from}, snapshots ${o.snapshots}.`,
      );
    }
    const start = steps * (1 - o.from);
    // Distinct steps: on tiny data two snapshots could round to the same step.
    this.#at = [
      ...new Set(
        Array.from({ length: o.snapshots }, (_, i) =>
          Math.round(start + ((i + 1) * (steps - start)) / o.snapshots),
        ),
      ),
    ];
    this.#w1 = new Float64Array(w1);
    this.#b1 = new Float64Array(hidden);
    this.#w2 = new Float64Array(hidden * classes);
    this.#b2 = new Float64Array(classes);
  }

  /** Whether a snapshot is due after step `t` (1-based count of steps done). */
  due(t: number): boolean {
    return this.#at[this.#taken] === t;
  }

  add(w1: ArrayLike<number>, b1: ArrayLike<number>, w2: ArrayLike<number>, b2: ArrayLike<number>): void {
    for (const [sum, part] of [
      [this.#w1, w1],
      [this.#b1, b1],
      [this.#w2, w2],
      [this.#b2, b2],
    ] as const) {
      for (let q = 0; q < sum.length; q++) sum[q] = (sum[q] as number) + (part[q] as number);
    }
    this.#taken++;
  }

  mean(): { w1: Float32Array; b1: Float32Array; w2: Float32Array; b2: Float32Array } {
    const n = this.#taken;
    const of = (sum: Float64Array) => Float32Array.from(sum, (v) => v / n);
    return { w1: of(this.#w1), b1: of(this.#b1), w2: of(this.#w2), b2: of(this.#b2) };
  }
}

/** Writes the hidden activations of row `x` into `hidden` (length ≥ model.hidden). */
export function hiddenInto(model: SparseMlpModel, x: SparseVector, hidden: Float64Array): void {
  const H = model.hidden;
  const { w1, b1 } = model;
  for (let u = 0; u < H; u++) hidden[u] = b1[u] as number;
  for (let j = 0; j < x.indices.length; j++) {
    const base = (x.indices[j] as number) * H;
    const v = x.values[j] as number;
    for (let u = 0; u < H; u++) hidden[u] = (hidden[u] as number) + v * (w1[base + u] as number);
  }
  for (let u = 0; u < H; u++) if ((hidden[u] as number) < 0) hidden[u] = 0;
}

/** Writes the logits of row `x` into `out` (length ≥ classes); `hidden` is scratch of length ≥ hidden units. */
export function mlpLogitsInto(
  model: SparseMlpModel,
  x: SparseVector,
  out: Float64Array,
  hidden: Float64Array = new Float64Array(model.hidden),
): void {
  hiddenInto(model, x, hidden);
  const K = model.classes;
  const { w2, b2 } = model;
  for (let k = 0; k < K; k++) out[k] = b2[k] as number;
  for (let u = 0; u < model.hidden; u++) {
    const h = hidden[u] as number;
    if (h === 0) continue;
    const base = u * K;
    for (let k = 0; k < K; k++) out[k] = (out[k] as number) + h * (w2[base + k] as number);
  }
}

/** A standard normal draw (Box–Muller) from a uniform generator. */
function gaussian(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
