/*
 * The nearest rows of the neural classifier's hidden-layer memory, found without the full f32 pass
 * over all of it (8,504 × 256 f32, ~1.5 M multiply-adds per query): every row is first scored in a
 * small subspace, the span of the class centroids (≤ one dimension per class), from int8 codes
 * through the vector index's int8 kernel; then the few rows that could still be among the k nearest
 * are re-scored exactly.
 *
 * "Exactly" means bit for bit what the transposed f32 pass computes (`accumulate` of the SGD kernels
 * over the active units, in pairs, in f32 without fused multiply-add), so the k rows, their order and
 * their similarities are those of the full pass, not merely close. Which rows are re-scored is
 * decided by a bound, not a guess: with B an orthonormal basis of the subspace, q·m = (Bq)·(Bm) +
 * q⊥·m⊥, and |q⊥·m⊥| ≤ ‖q⊥‖ ‖m⊥‖ (Cauchy–Schwarz); add the int8 residual of the row's codes, the
 * query's int16 rounding and a float slack. Every row whose approximate score plus that bound
 * reaches the current k-th exact similarity is re-scored.
 */
import {
  type DotKernelExports,
  instantiateDotKernels,
  packF32Block,
  sharedMemory,
} from "./wasm/dot-kernels.ts";

/**
 * Slack for float rounding: of the exact pass (≤ 256 f32 roundings of terms summing to ≤ 1), of the
 * rows' f32 projections (≤ 1.5e-5 per coordinate, ≤ 1.4e-4 over 77 of them against a unit query),
 * of the query's f32 projection (as much again) and of the int8 kernel's output: ≤ 3e-4 in all, doubled.
 */
const FLOAT_SLACK = 6e-4;
/** Added to squared residual norms computed as ‖m‖² − ‖Bm‖², so that cancellation cannot shrink them. */
const RESIDUAL_SLACK = 1e-5;
/** The same for the query, whose projection is in f32 (‖Bq‖² off by ≤ 3e-4), doubled. */
const QUERY_RESIDUAL_SLACK = 6e-4;
/** Basis vectors per call of the f32 block kernel that projects the rows. */
const BLOCK = 8;

/**
 * The memory's rows projected on the span of its class centroids, as int8 codes, with the bounds that
 * make its search exact.
 *
 * @example
 * const memory = new QuantisedMemory(vectors, labels, 256);
 * memory.nearest(units, values, active, scale, best, bestSim); // best: row indices, bestSim: their f32 similarities
 */
export class QuantisedMemory {
  readonly #vectors: Float32Array;
  readonly #n: number;
  readonly #dimension: number;
  readonly #kernels: DotKernelExports;
  /** Where the basis (f32, rows padded to 4), the dense query and its projection sit in the kernels' memory. */
  readonly #basisAt: number;
  readonly #basisRows: number;
  readonly #denseAt: number;
  readonly #projectedAt: number;
  readonly #dense: Float32Array;
  readonly #projectedShared: Float32Array;
  readonly #basisSize: number;
  readonly #rows: number;
  readonly #stride: number;
  readonly #codes: number;
  readonly #scales: number;
  readonly #query: number;
  readonly #out: number;
  readonly #q16: Int16Array;
  readonly #approx: Float32Array;
  /** The approximate scores copied out of the shared memory: typed arrays over a growable shared buffer are slow to read from JS. */
  readonly #scores: Float32Array;
  /** Per row: ‖m⊥‖ (outside the subspace). */
  readonly #residual: Float64Array;
  /** Per row: ‖Bm − scale · codes‖₂ plus the float slack. */
  readonly #margin: Float64Array;
  /** The largest Σ|scale · code| of a row: what the query's int16 rounding can cost, times 1/(2Q). */
  readonly #maxL1: number;
  readonly #maxMargin: number;
  readonly #maxResidual: number;
  readonly #qmax: number;
  /** Per query: the active units, their f32-rounded scaled values (as the exact pass uses them), the projection. */
  readonly #offsets: Int32Array;
  readonly #terms: Float64Array;
  readonly #projected: Float64Array;
  /** Which rows the current query has re-scored (`#epoch` marks them, so nothing is cleared per query). */
  readonly #seen: Int32Array;
  #epoch = 0;
  /** Scratch of the first cut: the k best rows by approximate score. */
  #first = new Int32Array(0);
  #firstSim = new Float64Array(0);
  /** Rows re-scored exactly by the last {@link nearest} call. */
  rescored = 0;

  /** `vectors`: the rows (unit length or zero), `labels.length` × `dimension`, row-major. */
  constructor(vectors: Float32Array, labels: Int32Array, dimension: number) {
    const n = labels.length;
    this.#vectors = vectors;
    this.#n = n;
    this.#dimension = dimension;
    const basis = centroidBasis(vectors, labels, dimension);
    const D = basis.length / dimension;
    this.#basisSize = D;
    const rows = Math.ceil(n / 4) * 4;
    const stride = Math.max(16, Math.ceil(D / 16) * 16);
    const blocks = Math.ceil(D / BLOCK);
    this.#rows = rows;
    this.#stride = stride;
    let at = 0;
    const take = (bytes: number): number => {
      const start = at;
      at += Math.ceil(bytes / 16) * 16;
      return start;
    };
    this.#codes = take(rows * stride);
    this.#scales = take(rows * 4);
    this.#query = take(stride * 2);
    this.#out = take(rows * 4);
    const hStride = Math.ceil(dimension / 4) * 4;
    this.#basisRows = Math.ceil(D / 4) * 4;
    this.#basisAt = take(this.#basisRows * hStride * 4);
    this.#denseAt = take(hStride * 4);
    this.#projectedAt = take(this.#basisRows * 4);
    // Scratch of the projection: the rows in f32 and one block of basis vectors, and its output.
    const rowsAt = take(n * dimension * 4);
    const blockAt = take(BLOCK * dimension * 4);
    const projectedAt = take(BLOCK * n * 4);
    const memory = sharedMemory(at);
    this.#kernels = instantiateDotKernels(memory);
    const buffer = memory.buffer;
    new Float32Array(buffer, rowsAt, n * dimension).set(vectors.subarray(0, n * dimension));
    const basis32 = Float32Array.from(basis);
    const projections = new Float32Array(n * D);
    // Read back and written through plain arrays: typed arrays over a growable shared buffer are slow from JS.
    const shared = new Float32Array(buffer, projectedAt, BLOCK * n);
    const scores = new Float32Array(BLOCK * n);
    for (let b = 0; b < blocks; b++) {
      const count = Math.min(BLOCK, D - b * BLOCK);
      const target = new Float32Array(buffer, blockAt, BLOCK * dimension);
      packF32Block(target, basis32, dimension, dimension, b * BLOCK, count, BLOCK);
      this.#kernels.scoreF32x8(rowsAt, n, dimension * 4, blockAt, projectedAt);
      scores.set(shared);
      for (let j = 0; j < count; j++) {
        for (let r = 0; r < n; r++) projections[r * D + b * BLOCK + j] = scores[j * n + r] as number;
      }
    }
    const codes = new Int8Array(rows * stride);
    const scales = new Float32Array(rows);
    this.#q16 = new Int16Array(buffer, this.#query, stride);
    const basisShared = new Float32Array(buffer, this.#basisAt, this.#basisRows * hStride);
    const padded = new Float32Array(this.#basisRows * hStride);
    for (let d = 0; d < D; d++) padded.set(basis32.subarray(d * dimension, (d + 1) * dimension), d * hStride);
    basisShared.set(padded);
    this.#dense = new Float32Array(hStride);
    this.#projectedShared = new Float32Array(buffer, this.#projectedAt, this.#basisRows);
    this.#approx = new Float32Array(buffer, this.#out, rows);
    this.#scores = new Float32Array(rows);
    this.#residual = new Float64Array(n);
    this.#margin = new Float64Array(n);
    let maxL1 = 0;
    for (let r = 0; r < n; r++) {
      let norm = 0;
      for (let u = 0; u < dimension; u++) norm += (vectors[r * dimension + u] as number) ** 2;
      const base = r * D;
      let max = 0;
      let inside = 0;
      for (let d = 0; d < D; d++) {
        const p = projections[base + d] as number;
        max = Math.max(max, Math.abs(p));
        inside += p * p;
      }
      this.#residual[r] = Math.sqrt(Math.max(0, norm - inside) + RESIDUAL_SLACK);
      const scale = Math.fround(max / 127);
      scales[r] = scale;
      let error = 0;
      let l1 = 0;
      for (let d = 0; d < D; d++) {
        const p = projections[base + d] as number;
        const c = scale > 0 ? Math.max(-127, Math.min(127, Math.round(p / scale))) : 0;
        codes[r * stride + d] = c;
        error += (p - scale * c) ** 2;
        l1 += Math.abs(scale * c);
      }
      this.#margin[r] = Math.sqrt(error) * (1 + 1e-6) + FLOAT_SLACK;
      maxL1 = Math.max(maxL1, l1);
    }
    this.#maxL1 = maxL1;
    this.#maxMargin = this.#margin.reduce((a, b) => Math.max(a, b), 0);
    this.#maxResidual = this.#residual.reduce((a, b) => Math.max(a, b), 0);
    new Int8Array(buffer, this.#codes, rows * stride).set(codes);
    new Float32Array(buffer, this.#scales, rows).set(scales);
    // Each int32 lane sums stride/4 products of an int8 (≤ 127) and an int16 (≤ qmax): no overflow.
    this.#qmax = Math.min(32767, Math.floor(2147483647 / (127 * (stride / 4))));
    this.#offsets = new Int32Array(dimension);
    this.#terms = new Float64Array(dimension);
    this.#projected = new Float64Array(D);
    this.#seen = new Int32Array(n);
  }

  /**
   * Writes the `best.length` rows nearest to the query (the memory's dot product with
   * `values[a] · scale` at unit `units[a]`, a < `active`; the query has unit length) into `best`,
   * nearest first, and their similarities into `bestSim`, exactly as the f32 pass over all rows
   * orders and computes them (earlier rows win ties). Slots left over (k > rows) hold −1.
   */
  nearest(
    units: Int32Array,
    values: Float32Array,
    active: number,
    scale: number,
    best: Int32Array,
    bestSim: Float64Array,
  ): void {
    const k = best.length;
    if (k === 0) return;
    const n = this.#n;
    const D = this.#basisSize;
    const scaleF = Math.fround(scale);
    const offsets = this.#offsets;
    const terms = this.#terms;
    const projected = this.#projected;
    const dense = this.#dense;
    dense.fill(0);
    let length = 0;
    for (let a = 0; a < active; a++) {
      const u = units[a] as number;
      const t = Math.fround((values[a] as number) * scaleF);
      offsets[a] = u;
      terms[a] = t;
      dense[u] = t;
      length += t * t;
    }
    // The query's projection on the basis: one f32 dot per basis vector, in the kernels' memory.
    new Float32Array(this.#projectedShared.buffer, this.#denseAt, dense.length).set(dense);
    this.#kernels.scoreF32x1(
      this.#basisAt,
      this.#basisRows,
      dense.length * 4,
      this.#denseAt,
      this.#projectedAt,
    );
    projected.set(this.#projectedShared.subarray(0, D));
    let inside = 0;
    let maxP = 0;
    for (let d = 0; d < D; d++) {
      const p = projected[d] as number;
      inside += p * p;
      maxP = Math.max(maxP, Math.abs(p));
    }
    const outside = Math.sqrt(Math.max(0, length - inside) + QUERY_RESIDUAL_SLACK);
    const q16 = this.#q16;
    q16.fill(0);
    const Q = maxP > 0 ? this.#qmax / maxP : 0;
    for (let d = 0; d < D; d++) q16[d] = Math.round((projected[d] as number) * Q);
    this.#kernels.scoreI8x1(this.#codes, this.#rows, this.#stride, this.#query, this.#scales, this.#out);
    const approx = this.#scores;
    approx.set(this.#approx);
    const invQ = Q > 0 ? 1 / Q : 0;
    // The k best by the approximate scores, re-scored exactly: their k-th similarity is a first cut.
    best.fill(-1);
    bestSim.fill(Number.NEGATIVE_INFINITY);
    if (this.#first.length !== k) {
      this.#first = new Int32Array(k);
      this.#firstSim = new Float64Array(k);
    }
    const first = this.#first;
    const firstSim = this.#firstSim;
    first.fill(-1);
    firstSim.fill(Number.NEGATIVE_INFINITY);
    let threshold = Number.NEGATIVE_INFINITY;
    for (let r = 0; r < n; r++) {
      const x = approx[r] as number;
      if (x <= threshold) continue;
      insert(first, firstSim, x, r);
      threshold = firstSim[k - 1] as number;
    }
    const epoch = ++this.#epoch;
    const seen = this.#seen;
    this.rescored = 0;
    for (let j = 0; j < k; j++) {
      const r = first[j] as number;
      if (r < 0) continue;
      seen[r] = epoch;
      insert(best, bestSim, this.#exact(r, active), r);
    }
    // Any other row that could reach the k-th exact similarity is re-scored; the cut only rises.
    // In approximate-score units: approx · invQ + margin + outside · residual + rounding ≥ cut.
    const queryRounding = (this.#maxL1 * invQ) / 2;
    const margin = this.#margin;
    const residual = this.#residual;
    let cut = (bestSim[k - 1] as number) - queryRounding;
    // A first filter with the largest row bound (one compare per row), then the row's own bound.
    const widest = this.#maxMargin + outside * this.#maxResidual;
    let floor = (cut - widest) * Q;
    for (let r = 0; r < n; r++) {
      if ((approx[r] as number) < floor) continue;
      if ((approx[r] as number) * invQ + (margin[r] as number) + outside * (residual[r] as number) < cut)
        continue;
      if (seen[r] === epoch) continue;
      seen[r] = epoch;
      insert(best, bestSim, this.#exact(r, active), r);
      cut = (bestSim[k - 1] as number) - queryRounding;
      floor = (cut - widest) * Q;
    }
  }

  /** Row `r`'s similarity as `accumulate` computes it: f32, active units in pairs, in order. */
  #exact(r: number, active: number): number {
    this.rescored++;
    const v = this.#vectors;
    const base = r * this.#dimension;
    const offsets = this.#offsets;
    const terms = this.#terms;
    const f = Math.fround;
    let s = 0;
    let a = 0;
    for (; a + 1 < active; a += 2) {
      const p0 = f((terms[a] as number) * (v[base + (offsets[a] as number)] as number));
      const p1 = f((terms[a + 1] as number) * (v[base + (offsets[a + 1] as number)] as number));
      s = f(f(s + p0) + p1);
    }
    if (a < active) s = f(s + f((terms[a] as number) * (v[base + (offsets[a] as number)] as number)));
    return s;
  }
}

/** Sorted insertion into a best-first list; on equal scores the lower row wins. */
function insert(best: Int32Array, bestSim: Float64Array, s: number, r: number): void {
  const k = best.length;
  const last = bestSim[k - 1] as number;
  if (s < last || (s === last && r > (best[k - 1] as number) && (best[k - 1] as number) >= 0)) return;
  let j = k - 1;
  while (j > 0) {
    const above = bestSim[j - 1] as number;
    if (!(s > above || (s === above && r < (best[j - 1] as number)))) break;
    bestSim[j] = above;
    best[j] = best[j - 1] as number;
    j--;
  }
  bestSim[j] = s;
  best[j] = r;
}

/**
 * An orthonormal basis (row-major, f64) of the span of the class centroids of `vectors`: modified
 * Gram–Schmidt, twice, dropping centroids already (nearly) in the span of the previous ones.
 */
function centroidBasis(vectors: Float32Array, labels: Int32Array, dimension: number): Float64Array {
  let classes = 0;
  for (const l of labels) classes = Math.max(classes, l + 1);
  const sums = new Float64Array(classes * dimension);
  for (let r = 0; r < labels.length; r++) {
    const at = (labels[r] as number) * dimension;
    for (let u = 0; u < dimension; u++)
      sums[at + u] = (sums[at + u] as number) + (vectors[r * dimension + u] as number);
  }
  const basis = new Float64Array(classes * dimension);
  let size = 0;
  for (let c = 0; c < classes; c++) {
    const at = c * dimension;
    let before = 0;
    for (let u = 0; u < dimension; u++) before += (sums[at + u] as number) ** 2;
    for (let pass = 0; pass < 2; pass++) {
      for (let b = 0; b < size; b++) {
        const e = b * dimension;
        let dot = 0;
        for (let u = 0; u < dimension; u++) dot += (sums[at + u] as number) * (basis[e + u] as number);
        for (let u = 0; u < dimension; u++)
          sums[at + u] = (sums[at + u] as number) - dot * (basis[e + u] as number);
      }
    }
    let norm = 0;
    for (let u = 0; u < dimension; u++) norm += (sums[at + u] as number) ** 2;
    if (!(norm > 1e-12 * before)) continue;
    const inverse = 1 / Math.sqrt(norm);
    for (let u = 0; u < dimension; u++) basis[size * dimension + u] = (sums[at + u] as number) * inverse;
    size++;
  }
  return basis.slice(0, Math.max(1, size) * dimension);
}
