// Issue 13, round 6 prototype: dense word vectors learnt from the texts themselves (no downloaded
// model): a PPMI matrix of word co-occurrences within a window, reduced by a randomised truncated
// SVD, and each text as the IDF-weighted mean of its words' vectors. Plain TypeScript, f64.
import { seededRandom } from "@catena/core/ml";

/** Lower-cased word tokens (letters/digits, with an inner apostrophe), as the featuriser's words roughly are. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+(?:'[a-z]+)?/g) ?? [];
}

export interface PpmiOptions {
  /** Dimensions kept (default 100). */
  dim?: number;
  /** Words either side that count as context (default 4). */
  window?: number;
  /** Context-distribution smoothing exponent (default 0.75, Levy et al.). */
  alpha?: number;
  /** Exponent of the singular values in the word vectors (default 0.5). */
  eig?: number;
  /** Words seen fewer times are dropped (default 1). */
  minCount?: number;
  seed?: number;
}

export interface WordSpace {
  dim: number;
  vocab: Map<string, number>;
  /** Row-major |V| × dim, rows L2-normalised. */
  vectors: Float64Array;
  idf: Float64Array;
}

function gaussian(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Orthonormalises the k columns of the row-major n × k matrix `a` in place (modified Gram–Schmidt, twice). */
function orthonormalise(a: Float64Array, n: number, k: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < k; j++) {
      for (let i = 0; i < j; i++) {
        let d = 0;
        for (let r = 0; r < n; r++) d += (a[r * k + i] as number) * (a[r * k + j] as number);
        for (let r = 0; r < n; r++) a[r * k + j] = (a[r * k + j] as number) - d * (a[r * k + i] as number);
      }
      let s = 0;
      for (let r = 0; r < n; r++) s += (a[r * k + j] as number) ** 2;
      const inv = s > 1e-300 ? 1 / Math.sqrt(s) : 0;
      for (let r = 0; r < n; r++) a[r * k + j] = (a[r * k + j] as number) * inv;
    }
  }
}

/** Eigen-decomposition of the symmetric k × k matrix `c` (cyclic Jacobi): eigenvalues and row-major eigenvectors (columns). */
function jacobiEigen(c: Float64Array, k: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(c);
  const v = new Float64Array(k * k);
  for (let i = 0; i < k; i++) v[i * k + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < k; p++) for (let q = p + 1; q < k; q++) off += (a[p * k + q] as number) ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < k; p++) {
      for (let q = p + 1; q < k; q++) {
        const apq = a[p * k + q] as number;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = ((a[q * k + q] as number) - (a[p * k + p] as number)) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const cs = 1 / Math.sqrt(t * t + 1);
        const sn = t * cs;
        for (let r = 0; r < k; r++) {
          const arp = a[r * k + p] as number;
          const arq = a[r * k + q] as number;
          a[r * k + p] = cs * arp - sn * arq;
          a[r * k + q] = sn * arp + cs * arq;
        }
        for (let r = 0; r < k; r++) {
          const apr = a[p * k + r] as number;
          const aqr = a[q * k + r] as number;
          a[p * k + r] = cs * apr - sn * aqr;
          a[q * k + r] = sn * apr + cs * aqr;
        }
        for (let r = 0; r < k; r++) {
          const vrp = v[r * k + p] as number;
          const vrq = v[r * k + q] as number;
          v[r * k + p] = cs * vrp - sn * vrq;
          v[r * k + q] = sn * vrp + cs * vrq;
        }
      }
    }
  }
  return { values: Float64Array.from({ length: k }, (_, i) => a[i * k + i] as number), vectors: v };
}

/** Word vectors from the PPMI co-occurrence matrix of `texts`, by a randomised truncated SVD. */
export function ppmiWordSpace(texts: readonly string[], options: PpmiOptions = {}): WordSpace {
  const dim = options.dim ?? 100;
  const window = options.window ?? 4;
  const alpha = options.alpha ?? 0.75;
  const eig = options.eig ?? 0.5;
  const random = seededRandom(options.seed ?? 7);
  const tokenised = texts.map(words);
  const counts = new Map<string, number>();
  const df = new Map<string, number>();
  for (const t of tokenised) {
    for (const w of t) counts.set(w, (counts.get(w) ?? 0) + 1);
    for (const w of new Set(t)) df.set(w, (df.get(w) ?? 0) + 1);
  }
  const vocab = new Map<string, number>();
  for (const [w, c] of counts) if (c >= (options.minCount ?? 1)) vocab.set(w, vocab.size);
  const V = vocab.size;
  const idf = new Float64Array(V);
  for (const [w, i] of vocab) idf[i] = Math.log((1 + texts.length) / (1 + (df.get(w) ?? 0))) + 1;
  // Sparse co-occurrence counts, weighted 1/distance, symmetric.
  const rows: Map<number, number>[] = Array.from({ length: V }, () => new Map());
  for (const t of tokenised) {
    const ids = t.map((w) => vocab.get(w) ?? -1);
    for (let i = 0; i < ids.length; i++) {
      const a = ids[i] as number;
      if (a < 0) continue;
      for (let j = i + 1; j <= Math.min(ids.length - 1, i + window); j++) {
        const b = ids[j] as number;
        if (b < 0) continue;
        const w = 1 / (j - i);
        const ra = rows[a] as Map<number, number>;
        const rb = rows[b] as Map<number, number>;
        ra.set(b, (ra.get(b) ?? 0) + w);
        rb.set(a, (rb.get(a) ?? 0) + w);
      }
    }
  }
  const rowSum = new Float64Array(V);
  const colSum = new Float64Array(V);
  let total = 0;
  rows.forEach((r, a) => {
    for (const [b, c] of r) {
      rowSum[a] = (rowSum[a] as number) + c;
      colSum[b] = (colSum[b] as number) + c;
      total += c;
    }
  });
  let colAlphaTotal = 0;
  for (let b = 0; b < V; b++) colAlphaTotal += (colSum[b] as number) ** alpha;
  // CSR of the PPMI matrix.
  const start = new Int32Array(V + 1);
  const idx: number[] = [];
  const val: number[] = [];
  rows.forEach((r, a) => {
    for (const [b, c] of r) {
      const pmi = Math.log(
        c / total / (((rowSum[a] as number) / total) * ((colSum[b] as number) ** alpha / colAlphaTotal)),
      );
      if (pmi > 0) {
        idx.push(b);
        val.push(pmi);
      }
    }
    start[a + 1] = idx.length;
  });
  const cols = Int32Array.from(idx);
  const vals = Float64Array.from(val);
  const k = Math.min(V, dim + 10);
  // M·X and Mᵀ·X for row-major V × k matrices (M is symmetric in pattern but PPMI is not: keep both).
  const mul = (x: Float64Array, transpose: boolean): Float64Array => {
    const out = new Float64Array(V * k);
    for (let a = 0; a < V; a++) {
      for (let e = start[a] as number; e < (start[a + 1] as number); e++) {
        const b = cols[e] as number;
        const m = vals[e] as number;
        const [to, from] = transpose ? [b, a] : [a, b];
        for (let j = 0; j < k; j++)
          out[to * k + j] = (out[to * k + j] as number) + m * (x[from * k + j] as number);
      }
    }
    return out;
  };
  let q: Float64Array = Float64Array.from({ length: V * k }, () => gaussian(random));
  q = mul(q, false);
  orthonormalise(q, V, k);
  for (let it = 0; it < 3; it++) {
    q = mul(q, true);
    orthonormalise(q, V, k);
    q = mul(q, false);
    orthonormalise(q, V, k);
  }
  // B = Qᵀ M (k × V) stored as its transpose Bt = Mᵀ Q (V × k); C = B Bᵀ = Btᵀ Bt.
  const bt = mul(q, true);
  const c = new Float64Array(k * k);
  for (let r = 0; r < V; r++)
    for (let i = 0; i < k; i++) {
      const x = bt[r * k + i] as number;
      if (x === 0) continue;
      for (let j = 0; j < k; j++) c[i * k + j] = (c[i * k + j] as number) + x * (bt[r * k + j] as number);
    }
  const { values, vectors: ub } = jacobiEigen(c, k);
  const order = [...values.keys()]
    .sort((a, b) => (values[b] as number) - (values[a] as number))
    .slice(0, dim);
  // Word vectors: (Q U_B)[:, top] · σ^eig, σ = √eigenvalue.
  const out = new Float64Array(V * dim);
  for (let r = 0; r < V; r++) {
    for (let d = 0; d < dim; d++) {
      const col = order[d] as number;
      let s = 0;
      for (let i = 0; i < k; i++) s += (q[r * k + i] as number) * (ub[i * k + col] as number);
      out[r * dim + d] = s * Math.max(values[col] as number, 0) ** (eig / 2);
    }
    let n = 0;
    for (let d = 0; d < dim; d++) n += (out[r * dim + d] as number) ** 2;
    const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
    for (let d = 0; d < dim; d++) out[r * dim + d] = (out[r * dim + d] as number) * inv;
  }
  return { dim, vocab, vectors: out, idf };
}

/** A text's vector: the IDF-weighted mean of its known words' vectors, L2-normalised (zeros if none known). */
export function textVector(space: WordSpace, text: string, idfWeighted = true): Float64Array {
  const v = new Float64Array(space.dim);
  for (const w of words(text)) {
    const i = space.vocab.get(w);
    if (i === undefined) continue;
    const weight = idfWeighted ? (space.idf[i] as number) : 1;
    for (let d = 0; d < space.dim; d++)
      v[d] = (v[d] as number) + weight * (space.vectors[i * space.dim + d] as number);
  }
  let n = 0;
  for (const x of v) n += x * x;
  const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
  for (let d = 0; d < space.dim; d++) v[d] = (v[d] as number) * inv;
  return v;
}
