// Issue 13, round 6 prototype: a dense "shared-strength" view learnt from the texts themselves
// (bench/ml/ppmi-embedding.ts: PPMI co-occurrences → randomised truncated SVD → IDF-weighted mean per
// text), used two ways, on the dev split and the 5 folds (bench/ml/fold-protocol.ts):
//   --mode=knn  a second kNN vote in that space (against the training texts), mixed into the cached
//               shipped probability (`classifier-members.bench.ts --member=base` first);
//   --mode=mlp  the text vector appended (× --scale) to the perceptron's TF-IDF input; the new
//               perceptron then mixed as shipped (¼ it + ¼ the cached linear model + ½ the vote of the
//               5 nearest training texts in ITS hidden space). --scale=0 is the control (no columns).
// --transductive also counts the held-out texts (unlabelled) in the co-occurrences and IDF.
//
//   node --conditions=@catena/source bench/ml/ppmi-view.bench.ts --mode=knn [--dim=100] [--window=4] [--transductive]
//   node --conditions=@catena/source bench/ml/ppmi-view.bench.ts --mode=mlp --scale=1 [--dim=100] [--only=fold0]
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { softmaxInPlace } from "../../packages/core/src/ml/softmax-regression.ts";
import { hiddenInto, mlpLogitsInto, trainSparseMlp } from "../../packages/core/src/ml/sparse-mlp.ts";
import type { SparseVector } from "../../packages/core/src/ml/sparse-vector.ts";
import { fitTemperature } from "../../packages/core/src/ml/temperature-scaling.ts";
import { prepareTraining } from "../../packages/core/src/ml/train-classifier.ts";
import { fmt, machineNotes, markdownTable } from "../lib/report.ts";
import { crossCoverage, labels, seedDir, splits } from "./fold-protocol.ts";
import { ppmiWordSpace, textVector } from "./ppmi-embedding.ts";

const K = labels.length;
const arg = (n: string) => process.argv.find((a) => a.startsWith(`--${n}=`))?.slice(n.length + 3);
const num = (n: string, d: number) => Number(arg(n) ?? d);
const MODE = arg("mode") ?? "knn";
const DIM = num("dim", 100);
const WINDOW = num("window", 4);
const SCALE = num("scale", 1);
const TRANSDUCTIVE = process.argv.includes("--transductive");
// `--extra-dev`: the dev split's texts (unlabelled) join the folds' co-occurrence corpus: unlabelled
// traffic that is NOT the items scored (the dev split itself gets no extra texts).
const EXTRA_DEV = process.argv.includes("--extra-dev");
const only = arg("only")?.split(",");
const base = fileURLToPath(new URL(`./out/members/${seedDir}base/`, import.meta.url));
const f32 = (p: string) => {
  const b = readFileSync(p);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};

type Scored = { accuracy: number; coverage: number; precision: number };
function score(probs: (i: number, out: Float64Array) => void, y: Int32Array): Scored {
  const p = new Float64Array(K);
  let right = 0;
  const items = Array.from(y, (yi, i) => {
    probs(i, p);
    let a = 0;
    for (let c = 1; c < K; c++) if ((p[c] as number) > (p[a] as number)) a = c;
    if (a === yi) right++;
    return { confidence: p[a] as number, right: a === yi };
  });
  return { accuracy: right / y.length, ...crossCoverage(items) };
}

/** Similarity-weighted vote of the k nearest rows of `mem` (n × d, normalised) to `q`. */
function vote(
  q: Float64Array,
  mem: Float64Array,
  memY: Int32Array,
  k: number,
  tau: number,
  out: Float64Array,
) {
  const d = q.length;
  const n = memY.length;
  const best: number[] = [];
  const sims = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let u = 0; u < d; u++) s += (q[u] as number) * (mem[r * d + u] as number);
    sims[r] = s;
    if (best.length < k) best.push(r);
    else if (s > (sims[best[k - 1] as number] as number)) best[k - 1] = r;
    else continue;
    best.sort((a, b) => (sims[b] as number) - (sims[a] as number));
  }
  out.fill(0);
  let tot = 0;
  for (const r of best) {
    const w = Math.exp((sims[r] as number) / tau);
    out[memY[r] as number] = (out[memY[r] as number] as number) + w;
    tot += w;
  }
  if (tot > 0) for (let c = 0; c < K; c++) out[c] = (out[c] as number) / tot;
}

/** The cached shipped probability of held-out item i: ½ (½ MLP + ½ linear) + ½ vote. */
function shipped(split: string) {
  const [mlp, linear, v] = ["mlp", "linear", "vote"].map((k) => f32(`${base}${split}.${k}`)) as [
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  return { mlp, linear, vote: v };
}

console.log(machineNotes());
console.log(
  `mode ${MODE}, dim ${DIM}, window ${WINDOW}, scale ${SCALE}, transductive ${TRANSDUCTIVE}, dev texts as extra corpus ${EXTRA_DEV}`,
);
const rows = new Map<string, Scored[]>();
const cpus: number[] = [];
const add = (name: string, s: Scored) => rows.set(name, [...(rows.get(name) ?? []), s]);
for (const s of splits()) {
  if (only && !only.includes(s.name)) continue;
  const y = Int32Array.from(s.heldOut, (e) => labels.indexOf(e.label));
  const c0 = process.cpuUsage();
  const corpus = [
    ...s.trainPart.map((e) => e.text),
    ...(TRANSDUCTIVE ? s.heldOut.map((e) => e.text) : []),
    ...(EXTRA_DEV && s.name !== "dev" ? (splits()[0]?.heldOut ?? []).map((e) => e.text) : []),
  ];
  const space = ppmiWordSpace(corpus, { dim: DIM, window: WINDOW });
  const trainVec = new Float64Array(s.trainPart.length * DIM);
  s.trainPart.forEach((e, i) => {
    trainVec.set(textVector(space, e.text), i * DIM);
  });
  const heldVec = s.heldOut.map((e) => textVector(space, e.text));
  const cEmb = process.cpuUsage(c0);
  const embCpu = (cEmb.user + cEmb.system) / 1e6;
  const memY = Int32Array.from(s.trainPart, (e) => labels.indexOf(e.label));
  const cached = shipped(s.name);
  if (MODE === "concat") {
    // The shipped vote's 5 nearest found by (1 − β) · cos(hidden) + β · cos(PPMI text vectors).
    const H = (JSON.parse(readFileSync(`${base}${s.name}.meta.json`, "utf8")) as { H: number }).H;
    const memory = f32(`${base}${s.name}.memory`);
    const hidden = f32(`${base}${s.name}.hidden`);
    const n = memY.length;
    const simH = new Float64Array(n);
    const simP = new Float64Array(n);
    const betas = [0, 0.2, 0.35, 0.5];
    const votes = betas.map(() => [] as Float64Array[]);
    heldVec.forEach((q, i) => {
      for (let r = 0; r < n; r++) {
        let a = 0;
        for (let u = 0; u < H; u++) a += (hidden[i * H + u] as number) * (memory[r * H + u] as number);
        simH[r] = a;
        let b = 0;
        for (let d = 0; d < DIM; d++) b += (q[d] as number) * (trainVec[r * DIM + d] as number);
        simP[r] = b;
      }
      betas.forEach((beta, j) => {
        const sims = Float64Array.from(simH, (h, r) => (1 - beta) * h + beta * (simP[r] as number));
        const best = [...sims.keys()].sort((a, b) => (sims[b] as number) - (sims[a] as number)).slice(0, 5);
        const o = new Float64Array(K);
        let tot = 0;
        for (const r of best) {
          const w = Math.exp((sims[r] as number) / 0.05);
          o[memY[r] as number] = (o[memY[r] as number] as number) + w;
          tot += w;
        }
        for (let c = 0; c < K; c++) o[c] = (o[c] as number) / tot;
        (votes[j] as Float64Array[]).push(o);
      });
    });
    betas.forEach((beta, j) => {
      add(
        beta === 0 ? "shipped (vote recomputed)" : `vote over (1 − ${beta}) cos(hidden) + ${beta} cos(PPMI)`,
        score((i, out) => {
          const v = (votes[j] as Float64Array[])[i] as Float64Array;
          for (let c = 0; c < K; c++) {
            const jj = i * K + c;
            out[c] =
              0.25 * (cached.mlp[jj] as number) +
              0.25 * (cached.linear[jj] as number) +
              0.5 * (v[c] as number);
          }
        }, y),
      );
    });
    cpus.push(embCpu);
  } else if (MODE === "knn") {
    const votes = new Map<string, Float64Array[]>();
    for (const [k, tau] of [
      [5, 0.05],
      [10, 0.05],
      [10, 0.1],
    ] as const) {
      const o = new Float64Array(K);
      votes.set(
        `${k}/${tau}`,
        heldVec.map((q) => {
          vote(q, trainVec, memY, k, tau, o);
          return Float64Array.from(o);
        }),
      );
    }
    const shippedP = (i: number, out: Float64Array) => {
      for (let c = 0; c < K; c++) {
        const j = i * K + c;
        out[c] =
          0.25 * (cached.mlp[j] as number) +
          0.25 * (cached.linear[j] as number) +
          0.5 * (cached.vote[j] as number);
      }
    };
    add("shipped (cached base)", score(shippedP, y));
    for (const [key, v] of votes) {
      add(
        `PPMI kNN alone (k/τ ${key})`,
        score((i, out) => out.set(v[i] as Float64Array), y),
      );
      for (const w of [0.1, 0.2, 0.3]) {
        add(
          `shipped × ${1 - w} + PPMI kNN (k/τ ${key}) × ${w}`,
          score((i, out) => {
            shippedP(i, out);
            const vi = v[i] as Float64Array;
            for (let c = 0; c < K; c++) out[c] = (1 - w) * (out[c] as number) + w * (vi[c] as number);
          }, y),
        );
      }
    }
    cpus.push(embCpu);
  } else {
    const prep = await prepareTraining(s.trainPart, { labels, dev: s.heldOut }, { minDf: 2 });
    const F = prep.featuriser.size;
    const D = SCALE > 0 ? DIM : 0;
    const augment = (v: SparseVector, e: Float64Array): SparseVector =>
      D === 0
        ? v
        : {
            indices: Int32Array.from([...v.indices, ...Array.from({ length: D }, (_, d) => F + d)]),
            values: Float32Array.from([...v.values, ...Array.from(e, (x) => SCALE * x)]),
          };
    const x = prep.x.map((v, i) => augment(v, trainVec.subarray(i * DIM, (i + 1) * DIM)));
    const c1 = process.cpuUsage();
    const mlp = await trainSparseMlp(x, prep.y, {
      features: F + D,
      classes: K,
      seed: 1,
      hidden: 256,
      epochs: 5,
      eta0: 0.2,
      initScale: 0.1,
      dropout: 0,
    });
    const c2 = process.cpuUsage(c1);
    cpus.push(embCpu + (c2.user + c2.system) / 1e6);
    const H = mlp.hidden;
    const h = new Float64Array(H);
    const normed = (v: SparseVector) => {
      hiddenInto(mlp, v, h);
      let n = 0;
      for (const z of h) n += z * z;
      const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
      return Float64Array.from(h, (z) => z * inv);
    };
    const mem = new Float64Array(x.length * H);
    x.forEach((v, i) => {
      mem.set(normed(v), i * H);
    });
    const hx = s.heldOut.map((e, i) =>
      augment(prep.featuriser.transform(e.text), heldVec[i] as Float64Array),
    );
    const logits = hx.map((v) => {
      const out = new Float64Array(K);
      mlpLogitsInto(mlp, v, out);
      return out;
    });
    const T = fitTemperature(logits, y, K);
    const probs = logits.map((l) => {
      const p = Float64Array.from(l);
      softmaxInPlace(p, K, T);
      return p;
    });
    const o = new Float64Array(K);
    const votes = hx.map((v) => {
      vote(normed(v), mem, memY, 5, 0.05, o);
      return Float64Array.from(o);
    });
    add(
      `perceptron alone`,
      score((i, out) => out.set(probs[i] as Float64Array), y),
    );
    add(
      `mixed as shipped (¼ it + ¼ cached linear + ½ its vote)`,
      score((i, out) => {
        const p = probs[i] as Float64Array;
        const v = votes[i] as Float64Array;
        for (let c = 0; c < K; c++)
          out[c] =
            0.25 * (p[c] as number) + 0.25 * (cached.linear[i * K + c] as number) + 0.5 * (v[c] as number);
      }, y),
    );
    let same = 0;
    for (let i = 0; i < y.length; i++) {
      let a = 0;
      let b = 0;
      const p = probs[i] as Float64Array;
      for (let c = 1; c < K; c++) {
        if ((p[c] as number) > (p[a] as number)) a = c;
        if ((cached.mlp[i * K + c] as number) > (cached.mlp[i * K + b] as number)) b = c;
      }
      if (a === b) same++;
    }
    console.error(`${s.name}: perceptron argmax equal to the cached base's on ${same}/${y.length}`);
  }
  console.error(
    `${s.name}: vocab ${space.vocab.size}, embedding ${fmt(embCpu, 2)} s CPU; ${[...rows].map(([n, r]) => `${n}: ${fmt(100 * (r.at(-1)?.accuracy ?? 0), 2)}/${fmt(100 * (r.at(-1)?.coverage ?? 0), 1)}`).join("; ")}`,
  );
}
const table = [...rows].map(([name, r]) => {
  const hasDev = !only || only.includes("dev");
  const d = hasDev ? r[0] : undefined;
  const folds = hasDev ? r.slice(1) : r;
  const mean = (f: (x: Scored) => number) => folds.reduce((t, x) => t + f(x), 0) / Math.max(folds.length, 1);
  return [
    name,
    d ? fmt(100 * d.accuracy, 2) : "—",
    d ? `${fmt(100 * d.coverage, 1)} (${fmt(100 * d.precision, 2)})` : "—",
    fmt(100 * mean((x) => x.accuracy), 2),
    folds.map((x) => fmt(100 * x.accuracy, 2)).join(" / "),
    `${fmt(100 * mean((x) => x.coverage), 1)} (${fmt(100 * mean((x) => x.precision), 2)})`,
  ];
});
console.log(
  markdownTable(
    [
      "model",
      "dev acc %",
      "dev covers % (precision)",
      "5-fold acc %",
      "per fold",
      "5-fold covers % (precision)",
    ],
    table,
  ),
);
console.log(
  `CPU s per split (embedding${MODE === "mlp" ? " + perceptron" : ""}): ${cpus.map((c) => fmt(c, 2)).join(" / ")}`,
);
