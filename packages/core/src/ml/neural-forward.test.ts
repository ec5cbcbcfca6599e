import { describe, expect, it } from "vitest";
import { NeuralForward } from "./neural-forward.ts";
import { seededRandom } from "./seeded-random.ts";
import { logitsInto, type SoftmaxModel } from "./softmax-regression.ts";
import { hiddenInto, mlpLogitsInto, type SparseMlpModel } from "./sparse-mlp.ts";
import type { SparseVector } from "./sparse-vector.ts";

// Random weights with 5 classes (padded to 8 lanes in wasm) and rows longer than one kernel chunk.
const F = 3000;
const H = 12;
const K = 5;
const random = seededRandom(7);
const fill = (n: number) => Float32Array.from({ length: n }, () => 2 * random() - 1);
const mlp: SparseMlpModel = {
  features: F,
  hidden: H,
  classes: K,
  w1: fill(F * H),
  b1: fill(H),
  w2: fill(H * K),
  b2: fill(K),
};
const linear: SoftmaxModel = { features: F, classes: K, weights: fill(F * K), bias: fill(K) };

function randomRow(nnz: number): SparseVector {
  const indices = Int32Array.from({ length: nnz }, (_, j) => Math.floor((j * F) / nnz));
  return { indices, values: Float32Array.from({ length: nnz }, () => random() * 0.1) };
}

describe("NeuralForward", () => {
  it("gives the plain-JS loops' hidden units and logits up to float rounding, for short and chunked rows", () => {
    const forward = new NeuralForward(mlp, linear);
    for (const x of [randomRow(0), randomRow(7), randomRow(2500)]) {
      const [a, b, c, d] = [
        new Float64Array(K),
        new Float64Array(K),
        new Float64Array(K),
        new Float64Array(K),
      ];
      forward.logitsInto(x, a, b);
      mlpLogitsInto(mlp, x, c);
      logitsInto(linear, x, d);
      for (let k = 0; k < K; k++) {
        expect(a[k]).toBeCloseTo(c[k] as number, 4);
        expect(b[k]).toBeCloseTo(d[k] as number, 4);
      }
      const h1 = new Float64Array(H);
      const h2 = new Float64Array(H);
      forward.hiddenInto(x, h1);
      hiddenInto(mlp, x, h2);
      for (let u = 0; u < H; u++) expect(h1[u]).toBeCloseTo(h2[u] as number, 4);
    }
  });

  it("votes like a brute-force kNN over the memory: k nearest by cosine, weighted by exp(cosine / tau)", () => {
    // 10 memory rows (padded to 12 lanes), labels 0..4; row 3 is all zeros and never near.
    const N = 10;
    const vectors = fill(N * H);
    for (let u = 0; u < H; u++) vectors[3 * H + u] = 0;
    for (let n = 0; n < N; n++) {
      const row = vectors.subarray(n * H, n * H + H);
      const norm = Math.hypot(...row) || 1;
      for (let u = 0; u < H; u++) row[u] = (row[u] as number) / norm;
    }
    const labels = Int32Array.from({ length: N }, (_, n) => n % K);
    const forward = new NeuralForward(mlp, linear, { vectors, labels });
    for (const x of [randomRow(7), randomRow(2500)]) {
      const h = new Float64Array(H);
      hiddenInto(mlp, x, h);
      const norm = Math.hypot(...h);
      const sims = Array.from({ length: N }, (_, n) => {
        let s = 0;
        for (let u = 0; u < H; u++) s += ((h[u] as number) / norm) * (vectors[n * H + u] as number);
        return { n, s };
      }).sort((a, b) => b.s - a.s || a.n - b.n);
      const expected = new Float64Array(K);
      const top = sims[0]?.s ?? 0;
      for (const { n, s } of sims.slice(0, 3)) {
        const label = labels[n] as number;
        expected[label] = (expected[label] as number) + Math.exp((s - top) / 0.1);
      }
      const total = expected.reduce((a, b) => a + b, 0);
      const out = new Float64Array(K);
      forward.logitsInto(x, new Float64Array(K), new Float64Array(K), { k: 3, tau: 0.1, out });
      for (let k = 0; k < K; k++) expect(out[k]).toBeCloseTo((expected[k] as number) / total, 4);
    }
    const silent = new Float64Array(K).fill(1);
    forward.logitsInto(randomRow(0), new Float64Array(K), new Float64Array(K), {
      k: 3,
      tau: 0.1,
      out: silent,
    });
    // An empty row can still activate units through the biases; without any it votes zeros.
    expect(silent.reduce((a, b) => a + b, 0)).toBeCloseTo(
      Math.hypot(...mlp.b1.map((b) => Math.max(0, b))) > 0 ? 1 : 0,
      6,
    );
  });

  it("finds the same neighbours, similarities and votes bit for bit through the int8 projection as through the full f32 pass", () => {
    // 400 rows in 5 noisy clusters (non-negative like ReLU outputs), with duplicated rows (ties) and a zero row.
    const N = 400;
    const centres = Array.from({ length: K }, () => Array.from({ length: H }, () => random()));
    const vectors = new Float32Array(N * H);
    const labels = new Int32Array(N);
    for (let n = 0; n < N; n++) {
      labels[n] = n % K;
      const row = vectors.subarray(n * H, n * H + H);
      if (n % 50 === 7) row.set(vectors.subarray((n - 5) * H, (n - 4) * H));
      else
        for (let u = 0; u < H; u++) row[u] = Math.max(0, (centres[n % K]?.[u] ?? 0) + 0.4 * (random() - 0.5));
      if (n === 123) row.fill(0);
      const norm = Math.hypot(...row) || 1;
      for (let u = 0; u < H; u++) row[u] = (row[u] as number) / norm;
    }
    const fast = new NeuralForward(mlp, linear, { vectors, labels }, "int8");
    const exact = new NeuralForward(mlp, linear, { vectors, labels }, "f32");
    for (let i = 0; i < 40; i++) {
      const x = randomRow(5 + i * 60);
      for (const k of [1, 5, 12]) expect(fast.neighboursOf(x, k)).toEqual(exact.neighboursOf(x, k));
      const [a, b] = [new Float64Array(K), new Float64Array(K)];
      fast.logitsInto(x, new Float64Array(K), new Float64Array(K), { k: 5, tau: 0.05, out: a });
      exact.logitsInto(x, new Float64Array(K), new Float64Array(K), { k: 5, tau: 0.05, out: b });
      expect(a).toEqual(b);
    }
  });
});
