import { describe, expect, it } from "vitest";
import { hiddenInto, mlpLogitsInto, type SparseMlpModel, trainSparseMlp } from "./sparse-mlp.ts";
import type { SparseVector } from "./sparse-vector.ts";

// XOR over two sparse features (plus an always-on third): no linear model separates it.
const patterns: { x: SparseVector; y: number }[] = [
  { x: row([2], [1]), y: 0 },
  { x: row([0, 2], [1, 1]), y: 1 },
  { x: row([1, 2], [1, 1]), y: 1 },
  { x: row([0, 1, 2], [1, 1, 1]), y: 0 },
];
const x = Array.from({ length: 200 }, (_, i) => (patterns[i % 4] as (typeof patterns)[number]).x);
const y = Int32Array.from({ length: 200 }, (_, i) => (patterns[i % 4] as (typeof patterns)[number]).y);

function row(indices: number[], values: number[]): SparseVector {
  return { indices: Int32Array.from(indices), values: Float32Array.from(values) };
}

describe("trainSparseMlp", () => {
  it("learns XOR, which a linear model cannot, deterministically for a seed", async () => {
    const options = { features: 3, classes: 2, hidden: 8, epochs: 30, eta0: 0.1, initScale: 1, seed: 4 };
    const model = await trainSparseMlp(x, y, options);
    const out = new Float64Array(2);
    for (const p of patterns) {
      mlpLogitsInto(model, p.x, out);
      expect(out[p.y]).toBeGreaterThan(out[1 - p.y] as number);
    }
    const again = await trainSparseMlp(x, y, options);
    expect(again.w1).toEqual(model.w1);
    expect(again.w2).toEqual(model.w2);
    expect(model.hidden).toBe(8);
    expect(model.w1).toHaveLength(3 * 8);
    expect(model.w2).toHaveLength(8 * 2);
  });

  it("with label smoothing still learns XOR, with less extreme logits (the targets are never 0 or 1)", async () => {
    const options = { features: 3, classes: 2, hidden: 8, epochs: 30, eta0: 0.1, initScale: 1, seed: 4 };
    const sharp = await trainSparseMlp(x, y, options);
    const smooth = await trainSparseMlp(x, y, { ...options, labelSmoothing: 0.2 });
    const a = new Float64Array(2);
    const b = new Float64Array(2);
    let sharpGap = 0;
    let smoothGap = 0;
    for (const p of patterns) {
      mlpLogitsInto(sharp, p.x, a);
      mlpLogitsInto(smooth, p.x, b);
      expect(b[p.y]).toBeGreaterThan(b[1 - p.y] as number);
      sharpGap += (a[p.y] as number) - (a[1 - p.y] as number);
      smoothGap += (b[p.y] as number) - (b[1 - p.y] as number);
    }
    expect(smoothGap).toBeLessThan(sharpGap);
  });

  it("trains epoch e on view e of stacked versions of the rows: identical views give the same model, other rows a different one", async () => {
    const options = { features: 3, classes: 2, hidden: 8, epochs: 4, eta0: 0.1, initScale: 1, seed: 4 };
    const plain = await trainSparseMlp(x, y, options);
    const twice = await trainSparseMlp([...x, ...x], y, { ...options, views: 2 });
    expect(twice.w1).toEqual(plain.w1);
    expect(twice.w2).toEqual(plain.w2);
    // A second view whose rows lose their always-on feature: epochs 1 and 3 see those rows instead.
    const dropped = x.map((r) =>
      row(
        [...r.indices].filter((i) => i !== 2),
        [...r.values].slice(0, -1),
      ),
    );
    const perturbed = await trainSparseMlp([...x, ...dropped], y, { ...options, views: 2 });
    expect(perturbed.w1).not.toEqual(plain.w1);
    await expect(trainSparseMlp(x, y, { ...options, views: 3 })).rejects.toThrow(
      /views must be an integer >= 1 dividing the 200 rows/,
    );
  });

  it("averages weight snapshots over the end of training (Polyak/SWA), still learning XOR", async () => {
    const options = { features: 3, classes: 2, hidden: 8, epochs: 30, eta0: 0.1, initScale: 1, seed: 4 };
    const last = await trainSparseMlp(x, y, options);
    // One snapshot at the last step is the final model itself.
    const one = await trainSparseMlp(x, y, { ...options, average: { from: 0.5, snapshots: 1 } });
    expect(one.w1).toEqual(last.w1);
    expect(one.w2).toEqual(last.w2);
    const averaged = await trainSparseMlp(x, y, { ...options, average: { from: 0.5, snapshots: 6 } });
    expect(averaged.w1).not.toEqual(last.w1);
    const out = new Float64Array(2);
    for (const p of patterns) {
      mlpLogitsInto(averaged, p.x, out);
      expect(out[p.y]).toBeGreaterThan(out[1 - p.y] as number);
    }
    const again = await trainSparseMlp(x, y, { ...options, average: { from: 0.5, snapshots: 6 } });
    expect(again.w1).toEqual(averaged.w1);
  });

  it("with a centre loss pulls each class's hidden activations together, still learning XOR; weight 0 is the plain model", async () => {
    const options = { features: 3, classes: 2, hidden: 8, epochs: 30, eta0: 0.1, initScale: 1, seed: 4 };
    const plain = await trainSparseMlp(x, y, options);
    const zero = await trainSparseMlp(x, y, { ...options, centreLoss: { weight: 0, rate: 0.05 } });
    expect(zero.w1).toEqual(plain.w1);
    const pulled = await trainSparseMlp(x, y, { ...options, centreLoss: { weight: 0.5, rate: 0.05 } });
    const out = new Float64Array(2);
    for (const p of patterns) {
      mlpLogitsInto(pulled, p.x, out);
      expect(out[p.y]).toBeGreaterThan(out[1 - p.y] as number);
    }
    // Class 0's two patterns ({2} and {0, 1, 2}) share little input: the loss brings their hidden vectors closer.
    expect(classCosine(pulled, 0)).toBeGreaterThan(classCosine(plain, 0));
    await expect(trainSparseMlp(x, y, { ...options, centreLoss: { weight: 0.1, rate: 0 } })).rejects.toThrow(
      /0 < rate <= 1/,
    );
  });

  it("refuses averaging settings that would average nothing", async () => {
    const options = { features: 3, classes: 2, hidden: 8, epochs: 2 };
    await expect(trainSparseMlp(x, y, { ...options, average: { from: 0, snapshots: 4 } })).rejects.toThrow(
      /0 < from <= 1/,
    );
    await expect(trainSparseMlp(x, y, { ...options, average: { from: 0.5, snapshots: 0 } })).rejects.toThrow(
      /snapshots >= 1/,
    );
  });
});

/** Cosine between the hidden activations of the two XOR patterns of class `c`. */
function classCosine(model: SparseMlpModel, c: number): number {
  const [a, b] = patterns
    .filter((p) => p.y === c)
    .map((p) => {
      const h = new Float64Array(model.hidden);
      hiddenInto(model, p.x, h);
      return h;
    }) as [Float64Array, Float64Array];
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let u = 0; u < a.length; u++) {
    dot += (a[u] as number) * (b[u] as number);
    na += (a[u] as number) ** 2;
    nb += (b[u] as number) ** 2;
  }
  return dot / Math.sqrt(na * nb);
}
