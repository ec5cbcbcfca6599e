/*
 * Prediction-time forward pass of the neural classifier (sparse MLP + softmax regression) through
 * the SGD WebAssembly SIMD kernels, with every buffer preallocated: the plain-JS loops in
 * sparse-mlp.ts / softmax-regression.ts cost ~185 µs of CPU per Banking77 text, this ~32 µs
 * (see bench/ml/neural-forward.bench.ts).
 *
 * One WebAssembly memory holds W1 (F × H), W2 (H × Kp) and the linear weights (F × Kp), the two
 * latter padded to Kp = classes rounded up to 4 with zero lanes, plus the per-call scratch. The
 * accumulation is in f32 (the JS loops use f64), so logits differ by float rounding only.
 */
import type { SoftmaxModel } from "./softmax-regression.ts";
import type { SparseMlpModel } from "./sparse-mlp.ts";
import type { SparseVector } from "./sparse-vector.ts";
import { type SgdKernelExports, sgdKernels } from "./wasm/sgd-kernels.ts";

/** Non-zeros passed to the kernel per call; longer rows are accumulated in chunks. */
const CHUNK = 1024;

/**
 * Computes the perceptron's hidden activations and both models' logits for sparse rows.
 *
 * @example
 * const forward = new NeuralForward(mlp, linear);
 * forward.logitsInto(x, mlpOut, linearOut);
 */
export class NeuralForward {
  readonly #kernels: SgdKernelExports;
  readonly #H: number;
  readonly #K: number;
  readonly #Kp: number;
  readonly #b1: Float32Array;
  readonly #b2: Float32Array;
  readonly #bias: Float32Array;
  readonly #W1: number;
  readonly #W2: number;
  readonly #WL: number;
  readonly #HID: number;
  readonly #Z: number;
  readonly #AROWS: number;
  readonly #AVALS: number;
  readonly #ROWS: number;
  readonly #VALS: number;
  readonly #hid: Float32Array;
  readonly #z: Float32Array;
  readonly #arows: Int32Array;
  readonly #avals: Float32Array;
  readonly #rows: Int32Array;
  readonly #vals: Float32Array;

  constructor(mlp: SparseMlpModel, linear: SoftmaxModel) {
    const F = mlp.features;
    const H = mlp.hidden;
    const K = mlp.classes;
    const Kp = Math.ceil(K / 4) * 4;
    let at = 0;
    const take = (bytes: number): number => {
      const start = at;
      at += Math.ceil(bytes / 16) * 16;
      return start;
    };
    this.#W1 = take(F * H * 4);
    this.#W2 = take(H * Kp * 4);
    this.#WL = take(F * Kp * 4);
    this.#HID = take(H * 4);
    this.#Z = take(Kp * 4);
    this.#AROWS = take(H * 4);
    this.#AVALS = take(H * 4);
    this.#ROWS = take(CHUNK * 4);
    this.#VALS = take(CHUNK * 4);
    const { memory, kernels } = sgdKernels(at);
    const buffer = memory.buffer;
    new Float32Array(buffer, this.#W1, F * H).set(mlp.w1);
    padRows(mlp.w2, H, K, new Float32Array(buffer, this.#W2, H * Kp), Kp);
    padRows(linear.weights, F, K, new Float32Array(buffer, this.#WL, F * Kp), Kp);
    this.#kernels = kernels;
    this.#H = H;
    this.#K = K;
    this.#Kp = Kp;
    this.#b1 = mlp.b1;
    this.#b2 = mlp.b2;
    this.#bias = linear.bias;
    this.#hid = new Float32Array(buffer, this.#HID, H);
    this.#z = new Float32Array(buffer, this.#Z, Kp);
    this.#arows = new Int32Array(buffer, this.#AROWS, H);
    this.#avals = new Float32Array(buffer, this.#AVALS, H);
    this.#rows = new Int32Array(buffer, this.#ROWS, CHUNK);
    this.#vals = new Float32Array(buffer, this.#VALS, CHUNK);
  }

  /** Writes the perceptron's hidden activations (ReLU outputs) of row `x` into `out` (length ≥ hidden). */
  hiddenInto(x: SparseVector, out: Float64Array): void {
    this.#hidden(x);
    const hid = this.#hid;
    for (let u = 0; u < this.#H; u++) out[u] = hid[u] as number;
  }

  /** Writes the perceptron's logits into `mlpOut` and the linear model's into `linearOut` (length ≥ classes). */
  logitsInto(x: SparseVector, mlpOut: Float64Array, linearOut: Float64Array): void {
    const H = this.#H;
    const K = this.#K;
    const Kp = this.#Kp;
    const z = this.#z;
    this.#hidden(x);
    const hid = this.#hid;
    const arows = this.#arows;
    const avals = this.#avals;
    let active = 0;
    for (let u = 0; u < H; u++) {
      const h = hid[u] as number;
      if (h === 0) continue;
      arows[active] = u * Kp * 4;
      avals[active++] = h;
    }
    z.set(this.#b2);
    this.#kernels.accumulate(this.#AROWS, this.#AVALS, active, this.#W2, Kp, 1, this.#Z);
    for (let k = 0; k < K; k++) mlpOut[k] = z[k] as number;
    z.set(this.#bias);
    this.#accumulateRows(x, this.#WL, Kp, this.#Z);
    for (let k = 0; k < K; k++) linearOut[k] = z[k] as number;
  }

  /** Leaves relu(W1ᵀx + b1) in the hidden buffer. */
  #hidden(x: SparseVector): void {
    const hid = this.#hid;
    hid.set(this.#b1);
    this.#accumulateRows(x, this.#W1, this.#H, this.#HID);
    for (let u = 0; u < this.#H; u++) if ((hid[u] as number) < 0) hid[u] = 0;
  }

  /** out += Σ_j x.values[j] · W[x.indices[j]], rows of `width` f32, in chunks of {@link CHUNK}. */
  #accumulateRows(x: SparseVector, w: number, width: number, out: number): void {
    const rows = this.#rows;
    const vals = this.#vals;
    const n = x.indices.length;
    const stride = width * 4;
    for (let start = 0; start < n; start += CHUNK) {
      const end = Math.min(n, start + CHUNK);
      for (let j = start; j < end; j++) {
        rows[j - start] = (x.indices[j] as number) * stride;
        vals[j - start] = x.values[j] as number;
      }
      this.#kernels.accumulate(this.#ROWS, this.#VALS, end - start, w, width, 1, out);
    }
  }
}

/** Copies a rows × cols row-major matrix into `out` with rows padded to `width` (zero lanes). */
function padRows(src: Float32Array, rows: number, cols: number, out: Float32Array, width: number): void {
  for (let r = 0; r < rows; r++) out.set(src.subarray(r * cols, r * cols + cols), r * width);
}
