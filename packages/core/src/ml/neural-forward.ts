/*
 * Prediction-time forward pass of the neural classifier (sparse MLP + softmax regression) through
 * the SGD WebAssembly SIMD kernels, with every buffer preallocated: the plain-JS loops in
 * sparse-mlp.ts / softmax-regression.ts cost ~185 µs of CPU per Banking77 text, this ~32 µs
 * (see bench/ml/neural-forward.bench.ts).
 *
 * One WebAssembly memory holds W1 (F × H), W2 (H × Kp) and the linear weights (F × Kp), the two
 * latter padded to Kp = classes rounded up to 4 with zero lanes, plus the per-call scratch. The
 * accumulation is in f32 (the JS loops use f64), so logits differ by float rounding only.
 *
 * With a {@link HiddenMemory} (the training texts' L2-normalised hidden activations and labels),
 * the nearest training texts are found by default through an int8 projection of the memory on its
 * class centroids' span and an exact re-scoring of the few rows that could be among them
 * ({@link QuantisedMemory}): the same rows and similarities, bit for bit, as the full f32 pass, for
 * ~80 instead of ~180 multiply-adds per row (see bench/ml/neighbour-vote.bench.ts). The
 * full pass (`search: "f32"`) holds the memory transposed (H × N, N padded to 4), so that the
 * similarities to every training text are one more `accumulate` over the query's active hidden
 * units; it stays as the reference the fast path is tested and benchmarked against.
 */
import { QuantisedMemory } from "./quantised-memory.ts";
import type { SoftmaxModel } from "./softmax-regression.ts";
import type { SparseMlpModel } from "./sparse-mlp.ts";
import type { SparseVector } from "./sparse-vector.ts";
import { type SgdKernelExports, sgdKernels } from "./wasm/sgd-kernels.ts";

/** The training texts' hidden activations (rows L2-normalised, N × H row-major) and their class indices. */
export interface HiddenMemory {
  vectors: Float32Array;
  labels: Int32Array;
}

/** How the nearest training texts vote: `k` neighbours, each weighted by exp(cosine / `tau`). */
export interface NeighbourVoting {
  k: number;
  tau: number;
}

/** How the nearest memory rows are found: int8 first pass + exact re-scoring, or the full f32 pass. */
export type NeighbourSearch = "int8" | "f32";

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
  readonly #memory:
    | {
        N: number;
        labels: Int32Array;
        transposed?: { MT: number; SIMS: number; sims: Float32Array };
        quantised?: QuantisedMemory;
      }
    | undefined;

  /** `search` picks how the memory's nearest rows are found (both give the same rows; int8 is faster). */
  constructor(
    mlp: SparseMlpModel,
    linear: SoftmaxModel,
    memory?: HiddenMemory,
    search: NeighbourSearch = "int8",
  ) {
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
    const N = memory ? memory.labels.length : 0;
    const Np = search === "f32" ? Math.ceil(N / 4) * 4 : 0;
    const MT = take(H * Np * 4);
    const SIMS = take(Np * 4);
    const wasmMemory = sgdKernels(at);
    const { kernels } = wasmMemory;
    const buffer = wasmMemory.memory.buffer;
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
    if (memory && search === "f32") {
      const mt = new Float32Array(buffer, MT, H * Np);
      const v = memory.vectors;
      for (let n = 0; n < N; n++) for (let u = 0; u < H; u++) mt[u * Np + n] = v[n * H + u] as number;
      const sims = new Float32Array(buffer, SIMS, N);
      this.#memory = { N, labels: memory.labels, transposed: { MT, SIMS, sims } };
    } else if (memory) {
      this.#memory = {
        N,
        labels: memory.labels,
        quantised: new QuantisedMemory(memory.vectors, memory.labels, H),
      };
    }
  }

  /** Writes the perceptron's hidden activations (ReLU outputs) of row `x` into `out` (length ≥ hidden). */
  hiddenInto(x: SparseVector, out: Float64Array): void {
    this.#hidden(x);
    const hid = this.#hid;
    for (let u = 0; u < this.#H; u++) out[u] = hid[u] as number;
  }

  /**
   * Writes the perceptron's logits into `mlpOut` and the linear model's into `linearOut` (length ≥
   * classes). With `votes` (and a memory), also writes into `votes.out` the share of the vote of
   * the `k` training texts nearest in hidden space (cosine), per class; all zeros when the text
   * activates no hidden unit.
   */
  logitsInto(
    x: SparseVector,
    mlpOut: Float64Array,
    linearOut: Float64Array,
    votes?: NeighbourVoting & { out: Float64Array },
  ): void {
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
    if (votes) this.#vote(active, votes);
  }

  /**
   * The `k` memory rows nearest to row `x` in hidden space (cosine), nearest first, with their
   * similarities; empty when there is no memory or `x` activates no hidden unit.
   */
  neighboursOf(x: SparseVector, k: number): { rows: Int32Array; similarities: Float64Array } {
    this.#hidden(x);
    const hid = this.#hid;
    let active = 0;
    for (let u = 0; u < this.#H; u++) {
      const h = hid[u] as number;
      if (h === 0) continue;
      this.#arows[active] = u * this.#Kp * 4;
      this.#avals[active++] = h;
    }
    return this.#nearest(active, k);
  }

  /** The nearest memory rows to the active hidden units left in `arows`/`avals` (their W2 row offsets). */
  #nearest(active: number, kWanted: number): { rows: Int32Array; similarities: Float64Array } {
    const memory = this.#memory;
    const avals = this.#avals;
    const arows = this.#arows;
    let norm = 0;
    for (let a = 0; a < active; a++) norm += (avals[a] as number) ** 2;
    if (!memory || norm === 0) return { rows: new Int32Array(0), similarities: new Float64Array(0) };
    const scale = 1 / Math.sqrt(norm);
    // The active units' indices (arows held their W2 row offsets).
    for (let a = 0; a < active; a++) arows[a] = (arows[a] as number) / (this.#Kp * 4);
    const k = Math.min(kWanted, memory.N);
    const best = new Int32Array(k).fill(-1);
    const bestSim = new Float64Array(k).fill(Number.NEGATIVE_INFINITY);
    if (memory.quantised) memory.quantised.nearest(arows, avals, active, scale, best, bestSim);
    else if (memory.transposed) this.#nearestF32(memory.transposed, memory.N, active, scale, best, bestSim);
    return { rows: best, similarities: bestSim };
  }

  /** Votes of the nearest memory rows to the active hidden units left in `arows`/`avals`. */
  #vote(active: number, votes: NeighbourVoting & { out: Float64Array }): void {
    const { out, tau } = votes;
    out.fill(0);
    const memory = this.#memory;
    const { rows: best, similarities: bestSim } = this.#nearest(active, votes.k);
    if (!memory || best.length === 0) return;
    const k = best.length;
    const top = bestSim[0] as number;
    let total = 0;
    for (let j = 0; j < k; j++) {
      const n = best[j] as number;
      if (n < 0) continue;
      const w = Math.exp(((bestSim[j] as number) - top) / tau);
      const label = memory.labels[n] as number;
      out[label] = (out[label] as number) + w;
      total += w;
    }
    for (let c = 0; c < out.length; c++) out[c] = (out[c] as number) / total;
  }

  /** The full f32 pass: similarities to every row through the transposed memory, then the top k. */
  #nearestF32(
    memory: { MT: number; SIMS: number; sims: Float32Array },
    N: number,
    active: number,
    scale: number,
    best: Int32Array,
    bestSim: Float64Array,
  ): void {
    const arows = this.#arows;
    const Np = Math.ceil(N / 4) * 4;
    // The active units' rows of the transposed memory, scaled by the unit's share of the query.
    for (let a = 0; a < active; a++) arows[a] = (arows[a] as number) * Np * 4;
    const sims = memory.sims;
    sims.fill(0);
    this.#kernels.accumulate(this.#AROWS, this.#AVALS, active, memory.MT, Np, scale, memory.SIMS);
    const k = best.length;
    // Top k by a sorted insertion; earlier rows win ties, so the result does not depend on the scan's order of equal scores.
    for (let n = 0; n < N; n++) {
      const s = sims[n] as number;
      if (s <= (bestSim[k - 1] as number)) continue;
      let j = k - 1;
      while (j > 0 && s > (bestSim[j - 1] as number)) {
        bestSim[j] = bestSim[j - 1] as number;
        best[j] = best[j - 1] as number;
        j--;
      }
      bestSim[j] = s;
      best[j] = n;
    }
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
