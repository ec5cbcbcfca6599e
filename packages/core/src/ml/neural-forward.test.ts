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
});
