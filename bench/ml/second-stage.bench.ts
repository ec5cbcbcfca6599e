// Issue 13, round 5 prototype: second-stage models over the cached parts of
// `crossfit-cache.bench.ts`. Each is fitted on the split's training part only, from the parts
// predicted out-of-fold there (5 inner folds), and scored on the held-out items with the shipped
// mix's parts (the model trained on the whole training part). Judged by the 5-fold mean.
//
//   node --conditions=@catena/source bench/ml/second-stage.bench.ts [--only=base,offsets,rerank]
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { fmt, machineNotes, markdownTable } from "../lib/report.ts";
import { crossCoverage, labels } from "./fold-protocol.ts";

const K = labels.length;
const dir = fileURLToPath(new URL("./out/crossfit/", import.meta.url));
const SPLITS = ["dev", "fold0", "fold1", "fold2", "fold3", "fold4"];

const f32 = (p: string) => {
  const b = readFileSync(p);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};
const i32 = (p: string) => {
  const b = readFileSync(p);
  return new Int32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};

interface Rows {
  starts: Int32Array;
  idx: Int32Array;
  val: Float32Array;
}
interface Side {
  y: Int32Array;
  mlp: Float32Array;
  linear: Float32Array;
  vote: Float32Array;
  x: Rows;
  N: number;
}
export interface Split {
  name: string;
  train: Side;
  test: Side;
  features: number;
}

function side(s: string, which: "train" | "test"): Side {
  const p = `${dir}${s}/${which}.`;
  const y = i32(`${p}y`);
  return {
    y,
    mlp: f32(`${p}mlp`),
    linear: f32(`${p}linear`),
    vote: f32(`${p}vote`),
    x: { starts: i32(`${p}x.starts`), idx: i32(`${p}x.idx`), val: f32(`${p}x.val`) },
    N: y.length,
  };
}

export function loadSplits(): Split[] {
  return SPLITS.filter((s) => existsSync(`${dir}${s}/meta.json`)).map((s) => ({
    name: s,
    train: side(s, "train"),
    test: side(s, "test"),
    features: (JSON.parse(readFileSync(`${dir}${s}/meta.json`, "utf8")) as { features: number }).features,
  }));
}

/** The shipped mix: ½ (½ MLP + ½ linear) + ½ vote. */
export function mixed(s: Side, i: number, out: Float64Array, w = { mlp: 0.25, linear: 0.25, vote: 0.5 }) {
  for (let c = 0; c < K; c++) {
    const q = i * K + c;
    out[c] =
      w.mlp * (s.mlp[q] as number) + w.linear * (s.linear[q] as number) + w.vote * (s.vote[q] as number);
  }
}

/** A scorer gives, for held-out item i, the answer and its confidence. */
type Scorer = (i: number) => { label: number; confidence: number };

export function evaluate(name: string, splits: Split[], make: (s: Split) => Scorer, extra = "") {
  const per = splits.map((s) => {
    const score = make(s);
    const items: { confidence: number; right: boolean }[] = [];
    let right = 0;
    for (let i = 0; i < s.test.N; i++) {
      const { label, confidence } = score(i);
      const ok = label === s.test.y[i];
      if (ok) right++;
      items.push({ confidence, right: ok });
    }
    return { name: s.name, accuracy: right / s.test.N, ...crossCoverage(items) };
  });
  const d = per.find((p) => p.name === "dev");
  const folds = per.filter((p) => p.name !== "dev");
  const mean = (f: (p: (typeof per)[number]) => number) => folds.reduce((t, p) => t + f(p), 0) / folds.length;
  const row = [
    name + extra,
    d ? fmt(100 * d.accuracy, 2) : "—",
    d ? fmt(100 * d.coverage, 1) : "—",
    fmt(100 * mean((p) => p.accuracy), 2),
    folds.map((p) => fmt(100 * p.accuracy, 2)).join(" / "),
    `${fmt(100 * mean((p) => p.coverage), 1)} (${fmt(100 * mean((p) => p.precision), 2)})`,
  ];
  console.error(row.join(" | "));
  return row;
}

export const HEADER = [
  "second stage",
  "dev acc %",
  "dev covers %",
  "5-fold acc %",
  "per fold",
  "5-fold covers % (precision)",
];

function argmax(p: ArrayLike<number>): number {
  let a = 0;
  for (let c = 1; c < K; c++) if ((p[c] as number) > (p[a] as number)) a = c;
  return a;
}

// ---- base -------------------------------------------------------------------------------------
const base = (s: Split): Scorer => {
  const p = new Float64Array(K);
  return (i) => {
    mixed(s.test, i, p);
    const a = argmax(p);
    return { label: a, confidence: p[a] as number };
  };
};

// ---- idea 3: per-predicted-class confidence offsets, shrunk -----------------------------------
// logit P(right) = a + b·logit(conf) + o_c, o_c penalised by λ·o_c² (shrinkage toward 0 = global),
// fitted on the training part's out-of-fold answers; held-out items ranked by that P(right).
function offsets(lambda: number, useSlope = true) {
  return (s: Split): Scorer => {
    const p = new Float64Array(K);
    const n = s.train.N;
    const cls = new Int32Array(n);
    const lg = new Float64Array(n);
    const r = new Float64Array(n);
    const logit = (q: number) => Math.log(Math.max(q, 1e-6) / Math.max(1 - q, 1e-6));
    for (let i = 0; i < n; i++) {
      mixed(s.train, i, p);
      const a = argmax(p);
      cls[i] = a;
      lg[i] = logit(p[a] as number);
      r[i] = a === s.train.y[i] ? 1 : 0;
    }
    // Newton steps on (a, b) and gradient-free coordinate Newton on each o_c.
    let A = 0;
    let B = 1;
    const o = new Float64Array(K);
    for (let it = 0; it < 50; it++) {
      // (a, b): 2 × 2 Newton.
      let ga = 0,
        gb = 0,
        haa = 0,
        hab = 0,
        hbb = 0;
      for (let i = 0; i < n; i++) {
        const z = A + B * (lg[i] as number) + (o[cls[i] as number] as number);
        const q = 1 / (1 + Math.exp(-z));
        const e = q - (r[i] as number);
        const w = q * (1 - q);
        const l = lg[i] as number;
        ga += e;
        gb += e * l;
        haa += w;
        hab += w * l;
        hbb += w * l * l;
      }
      if (useSlope) {
        const det = haa * hbb - hab * hab;
        A -= (hbb * ga - hab * gb) / det;
        B -= (haa * gb - hab * ga) / det;
      } else A -= ga / haa;
      // o_c: one Newton step each.
      const g = new Float64Array(K);
      const h = new Float64Array(K);
      for (let i = 0; i < n; i++) {
        const c = cls[i] as number;
        const z = A + B * (lg[i] as number) + (o[c] as number);
        const q = 1 / (1 + Math.exp(-z));
        g[c] = (g[c] as number) + q - (r[i] as number);
        h[c] = (h[c] as number) + q * (1 - q);
      }
      for (let c = 0; c < K; c++)
        o[c] =
          (o[c] as number) - ((g[c] as number) + lambda * (o[c] as number)) / ((h[c] as number) + lambda);
    }
    return (i) => {
      mixed(s.test, i, p);
      const a = argmax(p);
      const z = A + B * logit(p[a] as number) + (o[a] as number);
      return { label: a, confidence: 1 / (1 + Math.exp(-z)) };
    };
  };
}

// ---- idea 3b: offsets per (answer, runner-up) pair on top of the class offsets, shrunk harder --
function pairOffsets(lambda: number, lambdaPair: number) {
  return (s: Split): Scorer => {
    const p = new Float64Array(K);
    const n = s.train.N;
    const cls = new Int32Array(n);
    const pair = new Int32Array(n);
    const lg = new Float64Array(n);
    const r = new Float64Array(n);
    const logit = (q: number) => Math.log(Math.max(q, 1e-6) / Math.max(1 - q, 1e-6));
    const top2 = (q: Float64Array) => {
      const [a, b] = topK(q, 2) as [number, number];
      return { a, key: a * K + b };
    };
    for (let i = 0; i < n; i++) {
      mixed(s.train, i, p);
      const { a, key } = top2(p);
      cls[i] = a;
      pair[i] = key;
      lg[i] = logit(p[a] as number);
      r[i] = a === s.train.y[i] ? 1 : 0;
    }
    let A = 0;
    let B = 1;
    const o = new Float64Array(K);
    const op = new Float64Array(K * K);
    const sig = (z: number) => 1 / (1 + Math.exp(-z));
    const zOf = (i: number) =>
      A + B * (lg[i] as number) + (o[cls[i] as number] as number) + (op[pair[i] as number] as number);
    for (let it = 0; it < 50; it++) {
      let ga = 0,
        gb = 0,
        haa = 0,
        hab = 0,
        hbb = 0;
      for (let i = 0; i < n; i++) {
        const q = sig(zOf(i));
        const e = q - (r[i] as number);
        const w = q * (1 - q);
        const l = lg[i] as number;
        ga += e;
        gb += e * l;
        haa += w;
        hab += w * l;
        hbb += w * l * l;
      }
      const det = haa * hbb - hab * hab;
      A -= (hbb * ga - hab * gb) / det;
      B -= (haa * gb - hab * ga) / det;
      for (const [vec, idx, lam] of [
        [o, cls, lambda],
        [op, pair, lambdaPair],
      ] as const) {
        const g = new Float64Array(vec.length);
        const h = new Float64Array(vec.length);
        for (let i = 0; i < n; i++) {
          const c = idx[i] as number;
          const q = sig(zOf(i));
          g[c] = (g[c] as number) + q - (r[i] as number);
          h[c] = (h[c] as number) + q * (1 - q);
        }
        for (let c = 0; c < vec.length; c++)
          vec[c] =
            (vec[c] as number) - ((g[c] as number) + lam * (vec[c] as number)) / ((h[c] as number) + lam);
      }
    }
    return (i) => {
      mixed(s.test, i, p);
      const { a, key } = top2(p);
      const z = A + B * logit(p[a] as number) + (o[a] as number) + (op[key] as number);
      return { label: a, confidence: sig(z) };
    };
  };
}

/** How much room a reranker has: the share of held-out items whose label is in the mix's top k. */
function topKRecall(splits: Split[]) {
  const rows: string[][] = [];
  for (const which of ["test", "train"] as const) {
    const rec = [1, 2, 3, 5].map((k) => {
      const per = splits
        .filter((s) => s.name !== "dev")
        .map((s) => {
          const side = s[which];
          const p = new Float64Array(K);
          let hit = 0;
          for (let i = 0; i < side.N; i++) {
            mixed(side, i, p);
            if (topK(p, k).includes(side.y[i] as number)) hit++;
          }
          return hit / side.N;
        });
      return fmt((100 * per.reduce((t, v) => t + v, 0)) / per.length, 2);
    });
    rows.push([
      which === "test" ? "held-out items (outer model)" : "training part, out-of-fold (inner models)",
      ...rec,
    ]);
  }
  console.log(markdownTable(["5-fold mean, items", "top 1 %", "top 2 %", "top 3 %", "top 5 %"], rows));
}

// ---- idea 1: a listwise reranker over the mix's top k ------------------------------------------
// score(i, c) = θ · φ(i, c) + w_c · x_i over the top-k candidates of the mix, softmax over them,
// fitted by SGD on the training part's out-of-fold parts. φ: log of the mix, MLP, linear and vote
// probabilities of c (floored), and c's rank. w_c: one sparse weight row per class over the TF-IDF
// columns, trained only where c is a candidate, L2 λ (the pairwise-specialist idea, all pairs at once).
interface RerankOptions {
  k: number;
  epochs: number;
  eta: number;
  lambda: number;
  useText: boolean;
  /** A bias per class (vector scaling's offset), L2 `biasLambda`, trained where the class is a candidate. */
  useBias?: boolean;
  biasLambda?: number;
  /** "rerank": confidence = reranker's probability × the mix's mass on the top k; "mix": the mix's probability of the new answer; "avg": their mean. */
  confidence: "rerank" | "mix" | "avg";
}
const NPHI = 4;
function phiOf(s: Side, i: number, mix: Float64Array, c: number, rank: number, k: number, out: Float64Array) {
  const q = i * K + c;
  const lf = (v: number) => Math.log(Math.max(v, 1e-4));
  out[0] = lf(mix[c] as number);
  out[1] = lf(s.mlp[q] as number);
  out[2] = lf(s.linear[q] as number);
  out[3] = lf(s.vote[q] as number);
  for (let r = 0; r < k; r++) out[NPHI + r] = r === rank ? 1 : 0;
}
function topK(p: Float64Array, k: number): number[] {
  return Array.from(p.keys())
    .sort((a, b) => (p[b] as number) - (p[a] as number))
    .slice(0, k);
}
function rerank(o: RerankOptions) {
  return (s: Split): Scorer => {
    const D = NPHI + o.k;
    const theta = new Float64Array(D);
    theta[0] = 1; // start from the mix itself
    const F = s.features;
    const W = new Float32Array(o.useText ? K * F : 0);
    const bias = new Float64Array(K);
    const mix = new Float64Array(K);
    const phi = Array.from({ length: o.k }, () => new Float64Array(D));
    const z = new Float64Array(o.k);
    const tr = s.train;
    // Items whose true label is among the candidates (others carry no ranking signal).
    const order: number[] = [];
    const cands: number[][] = [];
    for (let i = 0; i < tr.N; i++) {
      mixed(tr, i, mix);
      const t = topK(mix, o.k);
      cands.push(t);
      if (t.includes(tr.y[i] as number)) order.push(i);
    }
    let seed = 7;
    // A fixed LCG (the figures in bench/RESULTS.md came from these shuffles).
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const steps = o.epochs * order.length;
    let t = 0;
    const scoreInto = (side: Side, i: number, cs: number[]) => {
      mixed(side, i, mix);
      cs.forEach((c, r) => {
        phiOf(side, i, mix, c, r, o.k, phi[r] as Float64Array);
        let v = 0;
        for (let d = 0; d < D; d++) v += (theta[d] as number) * ((phi[r] as Float64Array)[d] as number);
        if (o.useText) {
          const a = side.x.starts[i] as number;
          const b = side.x.starts[i + 1] as number;
          for (let j = a; j < b; j++)
            v += (W[c * F + (side.x.idx[j] as number)] as number) * (side.x.val[j] as number);
        }
        z[r] = v + (bias[c] as number);
      });
      let m = -Infinity;
      for (let r = 0; r < cs.length; r++) m = Math.max(m, z[r] as number);
      let tot = 0;
      for (let r = 0; r < cs.length; r++) tot += z[r] = Math.exp((z[r] as number) - m);
      for (let r = 0; r < cs.length; r++) z[r] = (z[r] as number) / tot;
    };
    for (let e = 0; e < o.epochs; e++) {
      for (let n = order.length - 1; n > 0; n--) {
        const j = Math.floor(rnd() * (n + 1));
        [order[n], order[j]] = [order[j] as number, order[n] as number];
      }
      for (const i of order) {
        const lr = o.eta * (1 - t++ / steps);
        const cs = cands[i] as number[];
        scoreInto(tr, i, cs);
        cs.forEach((c, r) => {
          const g = (z[r] as number) - (c === tr.y[i] ? 1 : 0);
          for (let d = 0; d < D; d++)
            theta[d] = (theta[d] as number) - lr * g * ((phi[r] as Float64Array)[d] as number);
          if (o.useBias) bias[c] = (bias[c] as number) * (1 - lr * (o.biasLambda ?? 0)) - lr * g;
          if (o.useText) {
            const a = tr.x.starts[i] as number;
            const b = tr.x.starts[i + 1] as number;
            for (let j = a; j < b; j++) {
              const q = c * F + (tr.x.idx[j] as number);
              W[q] = (W[q] as number) * (1 - lr * o.lambda) - lr * g * (tr.x.val[j] as number);
            }
          }
        });
      }
    }
    return (i) => {
      const te = s.test;
      mixed(te, i, mix);
      const cs = topK(mix, o.k);
      let mass = 0;
      for (const c of cs) mass += mix[c] as number;
      scoreInto(te, i, cs);
      let best = 0;
      for (let r = 1; r < cs.length; r++) if ((z[r] as number) > (z[best] as number)) best = r;
      const label = cs[best] as number;
      mixed(te, i, mix);
      const rr = (z[best] as number) * mass;
      const confidence =
        o.confidence === "rerank"
          ? rr
          : o.confidence === "mix"
            ? (mix[label] as number)
            : (rr + (mix[label] as number)) / 2;
      return { label, confidence };
    };
  };
}

if (import.meta.main ?? process.argv[1]?.endsWith("second-stage.bench.ts")) {
  console.log(machineNotes());
  const splits = loadSplits();
  const only = process.argv
    .find((a) => a.startsWith("--only="))
    ?.slice(7)
    .split(",");
  const want = (n: string) => !only || only.includes(n);
  const rows: string[][] = [];
  if (want("base")) rows.push(evaluate("base (shipped mix)", splits, base));
  if (want("offsets")) {
    for (const l of [0, 3, 10, 30, 100, 1e9]) rows.push(evaluate(`class offsets λ ${l}`, splits, offsets(l)));
  }
  if (want("pairs")) {
    for (const [l, lp] of [
      [30, 30],
      [30, 100],
      [100, 300],
      [10, 10],
    ] as const)
      rows.push(evaluate(`class λ ${l} + pair offsets λ ${lp}`, splits, pairOffsets(l, lp)));
  }
  if (want("recall")) topKRecall(splits);
  if (want("rerank")) {
    for (const k of [3, 5]) {
      for (const useText of [false, true]) {
        for (const confidence of ["rerank", "mix", "avg"] as const) {
          rows.push(
            evaluate(
              `rerank top ${k}${useText ? " + text" : ""}, conf ${confidence}`,
              splits,
              rerank({ k, epochs: 5, eta: 0.1, lambda: 1e-5, useText, confidence }),
            ),
          );
        }
      }
    }
  }
  if (want("rerank-bias")) {
    for (const biasLambda of [0, 0.01, 0.1]) {
      for (const k of [3, 5]) {
        for (const confidence of ["rerank", "mix"] as const) {
          rows.push(
            evaluate(
              `rerank top ${k} + class bias λ ${biasLambda}, conf ${confidence}`,
              splits,
              rerank({
                k,
                epochs: 5,
                eta: 0.1,
                lambda: 0,
                useText: false,
                useBias: true,
                biasLambda,
                confidence,
              }),
            ),
          );
        }
      }
    }
  }
  if (want("rerank-grid")) {
    for (const eta of [0.03, 0.3, 1]) {
      for (const lambda of [0, 1e-4]) {
        for (const epochs of [5, 15]) {
          rows.push(
            evaluate(
              `rerank top 3 + text, η ${eta}, λ ${lambda}, ${epochs} epochs, conf mix`,
              splits,
              rerank({ k: 3, epochs, eta, lambda, useText: true, confidence: "mix" }),
            ),
          );
        }
      }
    }
  }
  console.log(markdownTable(HEADER, rows));
}
