// Issue 13, round 8 prototype: the shipped mix (¼ perceptron + ¼ linear model + ½ the vote of the 5
// nearest training texts in the perceptron's hidden space) rebuilt from its parts, with one of:
//
// - snapshot ensembles: the perceptron's weights copied at the end of chosen epochs (`--snaps=3,4,5`)
//   or of each cycle of a cyclic rate (`--cycles=C`: the rate restarts at η0 C times and decays
//   linearly to 0 within each cycle), their calibrated *probabilities* averaged (not their weights:
//   round 4's SWA); the vote from the last snapshot's hidden space (`--vote=last`) or the mean of every
//   snapshot's vote (`--vote=mean`);
// - a cheap second perceptron over another featurisation (`--member=skip`: hashed word 1-grams,
//   bigrams and skip-bigrams with gaps 1–2; `--member=chars`: the shipped character n-grams only),
//   its probabilities averaged into the perceptron's part (`--memberWeight`), its own vote optionally
//   averaged into the vote (`--memberVote`);
// - centre-loss shaping of the hidden layer (`--center=λ`, `--centerMode=l2|cos`): each class keeps a
//   running centre of its texts' hidden activations (rate `--centerAlpha`) and every step pulls the
//   text's activations toward its class's centre, so that the vote's neighbours share its label;
// - label-name priors (`--names=n`): each label's name ("card arrival") as n extra training texts of
//   the perceptron only (round 4 added them to every model and the memory);
// - `--fraction=f`: every training part subsampled (stratified, seeded) to a share f, for the
//   learning curve.
//
// The perceptron's loop is the shipped one (`trainSparseMlp`: same initialisation and shuffles, the
// same WebAssembly kernels), so `--name=control` reproduces the shipped default (up to the f64 JS vote
// against the shipped f32 one). Runs on the dev split and the 5 folds (bench/ml/fold-protocol.ts).
//
//   node --conditions=@catena/source bench/ml/snapshot-ensemble.bench.ts --name=control [--only=dev,fold0,fold1]
//   node --conditions=@catena/source bench/ml/snapshot-ensemble.bench.ts --name=cyc3 --cycles=3 --epochs=6
//   node --conditions=@catena/source bench/ml/snapshot-ensemble.bench.ts --name=skip --member=skip
//   node --conditions=@catena/source bench/ml/snapshot-ensemble.bench.ts --name=center --center=0.01
// Each run appends its row to out/round8/<seed dir>rows.md.
import { appendFileSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type LabelledExample, seededRandom } from "@catena/core/ml";
import { tokenize } from "../../packages/core/src/ml/ngram-hasher.ts";
import { indexOrder, shuffleIndices } from "../../packages/core/src/ml/seeded-random.ts";
import {
  logitsInto,
  softmaxInPlace,
  trainSoftmaxRegression,
} from "../../packages/core/src/ml/softmax-regression.ts";
import { hiddenInto, mlpLogitsInto, type SparseMlpModel } from "../../packages/core/src/ml/sparse-mlp.ts";
import { packExamples, packedStarts, type SparseVector } from "../../packages/core/src/ml/sparse-vector.ts";
import { fitTemperature } from "../../packages/core/src/ml/temperature-scaling.ts";
import { prepareTraining } from "../../packages/core/src/ml/train-classifier.ts";
import { sgdKernels } from "../../packages/core/src/ml/wasm/sgd-kernels.ts";
import { fmt, machineNotes, markdownTable, numberArg, stringArg } from "../lib/report.ts";
import { crossCoverage, labels, seedDir, splits } from "./fold-protocol.ts";

const K = labels.length;
const Kp = Math.ceil(K / 4) * 4;
const outDir = fileURLToPath(new URL(`./out/round8/${seedDir}`, import.meta.url));
const NAME = stringArg("name") ?? "control";
const EPOCHS = numberArg("epochs", 5);
const ETA0 = numberArg("eta", 0.2);
const INIT = numberArg("init", 0.1);
const HIDDEN = numberArg("hidden", 256);
const CYCLES = numberArg("cycles", 1);
const SNAPS = (stringArg("snaps") ?? "").split(",").filter(Boolean).map(Number);
const VOTE = stringArg("vote") ?? "last";
const MEMBER = stringArg("member");
const MEMBER_WEIGHT = numberArg("memberWeight", 0.5);
const MEMBER_HIDDEN = numberArg("memberHidden", 256);
const MEMBER_EPOCHS = numberArg("memberEpochs", 5);
const MEMBER_VOTE = process.argv.includes("--memberVote");
const CENTER = numberArg("center", 0);
const CENTER_MODE = stringArg("centerMode") ?? "l2";
const CENTER_ALPHA = numberArg("centerAlpha", 0.05);
const NAMES = numberArg("names", 0);
const FRACTION = numberArg("fraction", 1);
const FRACTION_SEED = numberArg("fractionSeed", 7);
const ONLY = stringArg("only")?.split(",");

function gaussian(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/**
 * `trainSparseMlp`'s loop (dropout 0, no decay) with a cyclic rate, weight snapshots at chosen epoch
 * ends and an optional centre loss on the hidden layer. Returns the snapshots, last one last.
 */
function trainMlp(
  x: readonly SparseVector[],
  y: Int32Array,
  F: number,
  o: { hidden: number; epochs: number; cycles: number; snaps: number[]; center: number; seed: number },
): SparseMlpModel[] {
  const H = Math.ceil(o.hidden / 4) * 4;
  const starts = packedStarts(x);
  const nnzTotal = starts[x.length] as number;
  let at = 0;
  const take = (bytes: number) => {
    const s = at;
    at += Math.ceil(bytes / 16) * 16;
    return s;
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
  const buf = memory.buffer;
  const w1 = new Float32Array(buf, W1, F * H);
  const w2 = new Float32Array(buf, W2, H * Kp);
  const hid = new Float32Array(buf, HID, H);
  const dh = new Float32Array(buf, DH, H);
  const z = new Float32Array(buf, Z, Kp);
  const dz = new Float32Array(buf, DZ, Kp);
  const arows = new Int32Array(buf, AROWS, H);
  const avals = new Float32Array(buf, AVALS, H);
  packExamples(x, starts, H * 4, new Int32Array(buf, ROWS, nnzTotal), new Float32Array(buf, VALS, nnzTotal));
  const random = seededRandom(o.seed);
  for (let q = 0; q < w1.length; q++) w1[q] = gaussian(random) * INIT;
  const limit2 = Math.sqrt(6 / (H + K));
  for (let u = 0; u < H; u++) for (let k = 0; k < K; k++) w2[u * Kp + k] = (2 * random() - 1) * limit2;
  const b1 = new Float64Array(H);
  const b2 = new Float64Array(K);
  const p = new Float64Array(K);
  const centres = new Float64Array(K * H);
  const h = new Float64Array(H);
  const order = indexOrder(x.length);
  const steps = o.epochs * x.length;
  const perCycle = steps / o.cycles;
  const snapEpochs = o.snaps.length
    ? o.snaps
    : Array.from({ length: o.cycles }, (_, c) => Math.round(((c + 1) * o.epochs) / o.cycles));
  const out: SparseMlpModel[] = [];
  let t = 0;
  for (let e = 0; e < o.epochs; e++) {
    shuffleIndices(order, random);
    for (let n = 0; n < order.length; n++) {
      const row = order[n] as number;
      const s = starts[row] as number;
      const nnz = (starts[row + 1] as number) - s;
      const lr = o.cycles === 1 ? ETA0 * (1 - t / steps) : ETA0 * (1 - (t % perCycle) / perCycle);
      t++;
      hid.fill(0);
      kernels.accumulate(ROWS + s * 4, VALS + s * 4, nnz, W1, H, 1, HID);
      let active = 0;
      h.fill(0);
      for (let u = 0; u < H; u++) {
        const v = (hid[u] as number) + (b1[u] as number);
        if (v <= 0) continue;
        h[u] = v;
        arows[active] = u * Kp * 4;
        avals[active++] = v;
      }
      z.fill(0);
      kernels.accumulate(AROWS, AVALS, active, W2, Kp, 1, Z);
      for (let k = 0; k < K; k++) p[k] = (z[k] as number) + (b2[k] as number);
      softmaxInPlace(p, K);
      const yi = y[row] as number;
      p[yi] = (p[yi] as number) - 1;
      for (let k = 0; k < K; k++) {
        dz[k] = p[k] as number;
        b2[k] = (b2[k] as number) - lr * (p[k] as number);
      }
      dh.fill(0);
      // Centre loss: the gradient of λ/2 ‖h − c_y‖² (l2) or λ (1 − cos(h, c_y)) (cos) on active units.
      let cNorm = 0;
      let hNorm = 0;
      let dot = 0;
      const c0 = yi * H;
      if (o.center > 0 && CENTER_MODE === "cos") {
        for (let u = 0; u < H; u++) {
          cNorm += (centres[c0 + u] as number) ** 2;
          hNorm += (h[u] as number) ** 2;
          dot += (centres[c0 + u] as number) * (h[u] as number);
        }
        cNorm = Math.sqrt(cNorm);
        hNorm = Math.sqrt(hNorm);
      }
      for (let a = 0; a < active; a++) {
        const base = (arows[a] as number) >> 2;
        let g = 0;
        for (let k = 0; k < K; k++) g += (w2[base + k] as number) * (dz[k] as number);
        const u = base / Kp;
        if (o.center > 0 && e > 0) {
          if (CENTER_MODE === "cos") {
            if (cNorm > 0 && hNorm > 0) {
              const cos = dot / (cNorm * hNorm);
              g -=
                (o.center * ((centres[c0 + u] as number) / cNorm - (cos * (h[u] as number)) / hNorm)) / hNorm;
            }
          } else g += o.center * ((h[u] as number) - (centres[c0 + u] as number));
        }
        dh[u] = g;
        b1[u] = (b1[u] as number) - lr * g;
      }
      if (o.center > 0) {
        for (let u = 0; u < H; u++)
          centres[c0 + u] =
            (centres[c0 + u] as number) + CENTER_ALPHA * ((h[u] as number) - (centres[c0 + u] as number));
      }
      kernels.update(AROWS, AVALS, active, W2, Kp, lr, DZ);
      kernels.update(ROWS + s * 4, VALS + s * 4, nnz, W1, H, lr, DH);
    }
    if (snapEpochs.includes(e + 1)) {
      const w2u = new Float32Array(H * K);
      for (let u = 0; u < H; u++) for (let k = 0; k < K; k++) w2u[u * K + k] = w2[u * Kp + k] as number;
      out.push({
        features: F,
        hidden: H,
        classes: K,
        w1: Float32Array.from(w1),
        b1: Float32Array.from(b1),
        w2: w2u,
        b2: Float32Array.from(b2),
      });
    }
  }
  return out;
}

/** Hashed word 1-grams, bigrams and skip-bigrams (gaps 1, 2) as sublinear TF-IDF, L2-normalised, min df 2. */
function skipFeaturiser(texts: readonly string[]) {
  const keysOf = (text: string): Map<string, number> => {
    const t = tokenize(text);
    const m = new Map<string, number>();
    const add = (k: string) => m.set(k, (m.get(k) ?? 0) + 1);
    for (let i = 0; i < t.length; i++) {
      add(t[i] as string);
      for (let g = 1; g <= 3 && i + g < t.length; g++) add(`${t[i]}\u0001${g}\u0001${t[i + g]}`);
    }
    return m;
  };
  const df = new Map<string, number>();
  const counted = texts.map(keysOf);
  for (const m of counted) for (const k of m.keys()) df.set(k, (df.get(k) ?? 0) + 1);
  const column = new Map<string, number>();
  const idf: number[] = [];
  for (const [k, d] of [...df].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (d < 2) continue;
    column.set(k, idf.length);
    idf.push(Math.log((1 + texts.length) / (1 + d)) + 1);
  }
  const vec = (m: Map<string, number>): SparseVector => {
    const pairs: [number, number][] = [];
    for (const [k, c] of m) {
      const j = column.get(k);
      if (j !== undefined) pairs.push([j, (1 + Math.log(c)) * (idf[j] as number)]);
    }
    pairs.sort((a, b) => a[0] - b[0]);
    const norm = Math.sqrt(pairs.reduce((s, [, v]) => s + v * v, 0)) || 1;
    return {
      indices: Int32Array.from(pairs, (q) => q[0]),
      values: Float32Array.from(pairs, (q) => q[1] / norm),
    } as SparseVector;
  };
  return { size: idf.length, x: counted.map(vec), transform: (text: string) => vec(keysOf(text)) };
}

/** A perceptron part: calibrated probabilities of the held-out items, and the vote from its hidden space. */
interface Part {
  probs: Float64Array[];
  votes: Float64Array[] | undefined;
}

function partOf(
  model: SparseMlpModel,
  trainX: readonly SparseVector[],
  trainY: Int32Array,
  heldX: readonly SparseVector[],
  heldY: Int32Array,
  withVote: boolean,
): Part {
  const H = model.hidden;
  const scratch = new Float64Array(H);
  const logits = heldX.map((v) => {
    const out = new Float64Array(K);
    mlpLogitsInto(model, v, out, scratch);
    return out;
  });
  const T = fitTemperature(logits, heldY, K);
  const probs = logits.map((l) => {
    const p = Float64Array.from(l);
    softmaxInPlace(p, K, T);
    return p;
  });
  if (!withVote) return { probs, votes: undefined };
  // Transposed memory (H × N) of L2-normalised hidden activations, f32 as shipped.
  const N = trainX.length;
  const memT = new Float32Array(H * N);
  trainX.forEach((v, n) => {
    hiddenInto(model, v, scratch);
    let s = 0;
    for (let u = 0; u < H; u++) s += (scratch[u] as number) ** 2;
    const k = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let u = 0; u < H; u++) memT[u * N + n] = (scratch[u] as number) * k;
  });
  const sims = new Float64Array(N);
  const votes = heldX.map((v) => {
    hiddenInto(model, v, scratch);
    const out = new Float64Array(K);
    let s = 0;
    for (let u = 0; u < H; u++) s += (scratch[u] as number) ** 2;
    if (s === 0) return out;
    const k = 1 / Math.sqrt(s);
    sims.fill(0);
    for (let u = 0; u < H; u++) {
      const q = (scratch[u] as number) * k;
      if (q === 0) continue;
      const base = u * N;
      for (let n = 0; n < N; n++) sims[n] = (sims[n] as number) + q * (memT[base + n] as number);
    }
    const best = [-1, -1, -1, -1, -1];
    const bestSim = [-Infinity, -Infinity, -Infinity, -Infinity, -Infinity];
    for (let n = 0; n < N; n++) {
      const d = sims[n] as number;
      if (d <= (bestSim[4] as number)) continue;
      let j = 4;
      while (j > 0 && d > (bestSim[j - 1] as number)) {
        bestSim[j] = bestSim[j - 1] as number;
        best[j] = best[j - 1] as number;
        j--;
      }
      bestSim[j] = d;
      best[j] = n;
    }
    let total = 0;
    for (let j = 0; j < 5; j++) {
      const w = Math.exp(((bestSim[j] as number) - (bestSim[0] as number)) / 0.05);
      const c = trainY[best[j] as number] as number;
      out[c] = (out[c] as number) + w;
      total += w;
    }
    for (let c = 0; c < K; c++) out[c] = (out[c] as number) / total;
    return out;
  });
  return { probs, votes };
}

/** A stratified subsample of share `f` of the examples (each label's examples shuffled, the first ⌈f·n⌉ kept). */
function subsample(examples: readonly LabelledExample[], f: number, seed: number): LabelledExample[] {
  if (f >= 1) return [...examples];
  const random = seededRandom(seed);
  const byLabel = new Map<string, LabelledExample[]>();
  for (const e of examples) byLabel.set(e.label, [...(byLabel.get(e.label) ?? []), e]);
  const out: LabelledExample[] = [];
  for (const label of [...byLabel.keys()].sort()) {
    const m = byLabel.get(label) as LabelledExample[];
    for (let i = m.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [m[i], m[j]] = [m[j] as LabelledExample, m[i] as LabelledExample];
    }
    out.push(...m.slice(0, Math.max(2, Math.ceil(f * m.length))));
  }
  return out;
}

console.error(machineNotes());
const perSplit: {
  split: string;
  accuracy: number;
  coverage: number;
  precision: number;
  cpuS: number;
  n: number;
}[] = [];
for (const s of splits().filter((s) => !ONLY || ONLY.includes(s.name))) {
  const trainPart = subsample(s.trainPart, FRACTION, FRACTION_SEED);
  const c0 = process.cpuUsage();
  const prep = await prepareTraining(trainPart, { labels, dev: s.heldOut }, { minDf: 2 });
  const F = prep.featuriser.size;
  let mlpX = prep.x;
  let mlpY = prep.y;
  if (NAMES > 0) {
    const extra = labels.flatMap((l, c) =>
      Array.from({ length: NAMES }, () => ({ v: prep.featuriser.transform(l.replaceAll("_", " ")), c })),
    );
    mlpX = [...prep.x, ...extra.map((e) => e.v)];
    mlpY = Int32Array.from([...prep.y, ...extra.map((e) => e.c)]);
  }
  const t0 = process.cpuUsage();
  const snaps = trainMlp(mlpX, mlpY, F, {
    hidden: HIDDEN,
    epochs: EPOCHS,
    cycles: CYCLES,
    snaps: SNAPS,
    center: CENTER,
    seed: 1,
  });
  const tc = process.cpuUsage(t0);
  const mlpCpu = (tc.user + tc.system) / 1e6;
  const linear = await trainSoftmaxRegression(prep.x, prep.y, {
    features: F,
    classes: K,
    seed: 1,
    epochs: 20,
    lambda: 3e-6,
    eta0: 0.5,
  });
  const heldX = s.heldOut.map((e) => prep.featuriser.transform(e.text));
  const heldY = Int32Array.from(s.heldOut, (e) => labels.indexOf(e.label));
  const linLogits = heldX.map((v) => {
    const out = new Float64Array(K);
    logitsInto(linear, v, out);
    return out;
  });
  const TL = fitTemperature(linLogits, heldY, K);
  const linProbs = linLogits.map((l) => {
    const p = Float64Array.from(l);
    softmaxInPlace(p, K, TL);
    return p;
  });
  const parts = snaps.map((m, i) =>
    partOf(m, prep.x, prep.y, heldX, heldY, VOTE === "mean" || i === snaps.length - 1),
  );
  let member: Part | undefined;
  let memberCpu = 0;
  if (MEMBER) {
    const m0 = process.cpuUsage();
    let mx: SparseVector[];
    let mHeld: SparseVector[];
    let mF: number;
    if (MEMBER === "skip") {
      const f = skipFeaturiser(trainPart.map((e) => e.text));
      mx = f.x;
      mF = f.size;
      mHeld = s.heldOut.map((e) => f.transform(e.text));
    } else {
      const p2 = await prepareTraining(
        trainPart,
        { labels, dev: s.heldOut, ngrams: { words: null } },
        { minDf: 2 },
      );
      mx = p2.x;
      mF = p2.featuriser.size;
      mHeld = s.heldOut.map((e) => p2.featuriser.transform(e.text));
    }
    const [m] = trainMlp(mx, prep.y, mF, {
      hidden: MEMBER_HIDDEN,
      epochs: MEMBER_EPOCHS,
      cycles: 1,
      snaps: [MEMBER_EPOCHS],
      center: 0,
      seed: 2,
    });
    member = partOf(m as SparseMlpModel, mx, prep.y, mHeld, heldY, MEMBER_VOTE);
    const mc = process.cpuUsage(m0);
    memberCpu = (mc.user + mc.system) / 1e6;
  }
  const cpu = process.cpuUsage(c0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const items = s.heldOut.map((_, i) => {
    const p = new Float64Array(K);
    const mlp = new Float64Array(K);
    for (const part of parts)
      for (let k = 0; k < K; k++) mlp[k] = (mlp[k] as number) + (part.probs[i]?.[k] as number) / parts.length;
    if (member)
      for (let k = 0; k < K; k++)
        mlp[k] = (1 - MEMBER_WEIGHT) * (mlp[k] as number) + MEMBER_WEIGHT * (member.probs[i]?.[k] as number);
    for (let k = 0; k < K; k++) p[k] = 0.5 * (mlp[k] as number) + 0.5 * (linProbs[i]?.[k] as number);
    const voting = parts.filter((q) => q.votes);
    const vote = new Float64Array(K);
    let voters = 0;
    for (const q of voting) {
      const v = q.votes?.[i] as Float64Array;
      if (!v.some((a) => a > 0)) continue;
      voters++;
      for (let k = 0; k < K; k++) vote[k] = (vote[k] as number) + (v[k] as number);
    }
    let vn = voters;
    if (member?.votes) {
      const v = member.votes[i] as Float64Array;
      if (v.some((a) => a > 0)) {
        // The member's vote weighs as much as all of the main perceptron's votes together.
        for (let k = 0; k < K; k++) vote[k] = (vote[k] as number) / Math.max(1, voters) + (v[k] as number);
        vn = voters > 0 ? 2 : 1;
      }
    }
    if (vn > 0) for (let k = 0; k < K; k++) p[k] = 0.5 * (p[k] as number) + (0.5 * (vote[k] as number)) / vn;
    let a = 0;
    for (let k = 1; k < K; k++) if ((p[k] as number) > (p[a] as number)) a = k;
    return { confidence: p[a] as number, right: a === heldY[i] };
  });
  const accuracy = items.filter((i) => i.right).length / items.length;
  perSplit.push({ split: s.name, accuracy, ...crossCoverage(items), cpuS, n: trainPart.length });
  console.error(
    `${NAME} ${s.name}: n ${trainPart.length}, ${fmt(100 * accuracy, 2)} covers ${fmt(100 * (perSplit.at(-1)?.coverage ?? 0), 1)} (${fmt(100 * (perSplit.at(-1)?.precision ?? 0), 2)}), ${fmt(cpuS, 2)} s CPU (perceptron ${fmt(mlpCpu, 2)}, member ${fmt(memberCpu, 2)}; includes the prototype's JS votes)`,
  );
}
const devRow = perSplit.find((r) => r.split === "dev");
const folds = perSplit.filter((r) => r.split !== "dev");
const mean = (pick: (f: (typeof folds)[number]) => number) =>
  folds.length ? folds.reduce((t, f) => t + pick(f), 0) / folds.length : Number.NaN;
const args = process.argv
  .slice(2)
  .filter((a) => !a.startsWith("--name="))
  .join(" ");
const table = markdownTable(
  [
    "variant",
    "dev acc %",
    "dev covers % (prec)",
    "fold acc %",
    "per fold",
    "fold covers % (prec)",
    "per fold covers",
    "CPU s (dev)",
  ],
  [
    [
      `${NAME} (${args})`,
      devRow ? fmt(100 * devRow.accuracy, 2) : "—",
      devRow ? `${fmt(100 * devRow.coverage, 1)} (${fmt(100 * devRow.precision, 2)})` : "—",
      fmt(100 * mean((f) => f.accuracy), 2),
      folds.map((f) => fmt(100 * f.accuracy, 2)).join(" / "),
      `${fmt(100 * mean((f) => f.coverage), 1)} (${fmt(100 * mean((f) => f.precision), 2)})`,
      folds.map((f) => fmt(100 * f.coverage, 1)).join(" / "),
      devRow
        ? fmt(devRow.cpuS, 2)
        : fmt(
            mean((f) => f.cpuS),
            2,
          ),
    ],
  ],
);
console.log(table);
mkdirSync(outDir, { recursive: true });
appendFileSync(`${outDir}rows.md`, `${table.split("\n").at(-1)}\n`);
