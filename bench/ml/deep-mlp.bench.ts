// Issue 13, round 5 prototype: a perceptron with TWO hidden layers (sparse TF-IDF → H1 ReLU → H2
// ReLU → softmax), trained like the shipped one (per-example SGD, fastText's linearly decaying rate,
// N(0, 0.1²) first layer, the SGD WebAssembly kernels for every layer's rows), then mixed as shipped:
// ¼ perceptron + ¼ the cached linear model of the `base` member + ½ the vote of the 5 nearest
// training texts in a hidden layer (cosine, exp(cos / 0.05)). `--h2=0` trains a one-hidden-layer net
// with the same code (the control). Needs `classifier-members.bench.ts --member=base` first.
//
//   node --conditions=@catena/source bench/ml/deep-mlp.bench.ts --h2=128 [--h1=256] [--epochs=5] [--eta=0.2] [--init=0.1] [--only=fold0]
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { seededRandom } from "@catena/core/ml";
import { indexOrder, shuffleIndices } from "../../packages/core/src/ml/seeded-random.ts";
import { softmaxInPlace } from "../../packages/core/src/ml/softmax-regression.ts";
import { packExamples, packedStarts, type SparseVector } from "../../packages/core/src/ml/sparse-vector.ts";
import { prepareTraining } from "../../packages/core/src/ml/train-classifier.ts";
import { sgdKernels } from "../../packages/core/src/ml/wasm/sgd-kernels.ts";
import { fmt, machineNotes, markdownTable } from "../lib/report.ts";
import { crossCoverage, labels, splits } from "./fold-protocol.ts";

const K = labels.length;
const Kp = Math.ceil(K / 4) * 4;
const arg = (n: string, d: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${n}=`))?.slice(n.length + 3) ?? d);
const H1 = arg("h1", 256);
const H2 = arg("h2", 128);
const EPOCHS = arg("epochs", 5);
const ETA0 = arg("eta", 0.2);
const INIT = arg("init", 0.1);
// Round 6: the output layer's loss. "ce" (shipped): softmax cross-entropy. "focal": −(1 − p_t)^γ log p_t
// (Lin et al.), which down-weights the examples already right. "hinge": Crammer–Singer multi-class
// hinge on the logits, max(0, MARGIN + max_{k≠t} z_k − z_t).
const LOSS = process.argv.find((a) => a.startsWith("--loss="))?.slice(7) ?? "ce";
const GAMMA = arg("gamma", 2);
const MARGIN = arg("margin", 1);
/** Overwrites the logits `p` with the loss's gradient with respect to them, for true class `t`. */
function lossGradient(p: Float64Array, t: number): void {
  if (LOSS === "hinge") {
    let r = -1;
    for (let k = 0; k < K; k++) if (k !== t && (r < 0 || (p[k] as number) > (p[r] as number))) r = k;
    const violated = MARGIN + (p[r] as number) - (p[t] as number) > 0;
    p.fill(0);
    if (violated) {
      p[r] = 1;
      p[t] = -1;
    }
    return;
  }
  softmaxInPlace(p, K);
  if (LOSS === "focal") {
    const pt = Math.max(p[t] as number, 1e-12);
    const a = GAMMA * (1 - pt) ** (GAMMA - 1) * pt * Math.log(pt) - (1 - pt) ** GAMMA;
    for (let k = 0; k < K; k++) p[k] = ((k === t ? 1 : 0) - (p[k] as number)) * a;
    return;
  }
  p[t] = (p[t] as number) - 1;
}
const members = fileURLToPath(new URL("./out/members/base/", import.meta.url));
const f32 = (p: string) => {
  const b = readFileSync(p);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};

function gaussian(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Trains the net; returns a forward pass writing logits and both hidden layers for any sparse row. */
function train(x: readonly SparseVector[], y: Int32Array, F: number, seed: number) {
  const deep = H2 > 0;
  const Hout = deep ? H2 : H1; // width of the layer under the softmax
  const starts = packedStarts(x);
  const nnzTotal = starts[x.length] as number;
  const MAXQ = 4096; // one query row's room
  let at = 0;
  const take = (bytes: number) => {
    const s = at;
    at += Math.ceil(bytes / 16) * 16;
    return s;
  };
  const W1 = take(F * H1 * 4);
  const W2 = take(deep ? H1 * H2 * 4 : 0);
  const W3 = take(Hout * Kp * 4);
  const HID1 = take(H1 * 4);
  const HID2 = take(Math.max(H2, 1) * 4);
  const DH1 = take(H1 * 4);
  const DH2 = take(Math.max(H2, 1) * 4);
  const Z = take(Kp * 4);
  const DZ = take(Kp * 4);
  const AR1 = take(H1 * 4);
  const AV1 = take(H1 * 4);
  const AR2 = take(Hout * 4);
  const AV2 = take(Hout * 4);
  const ROWS = take(nnzTotal * 4);
  const VALS = take(nnzTotal * 4);
  const QR = take(MAXQ * 4);
  const QV = take(MAXQ * 4);
  const { memory, kernels } = sgdKernels(at);
  const buf = memory.buffer;
  const w1 = new Float32Array(buf, W1, F * H1);
  const w2 = new Float32Array(buf, W2, deep ? H1 * H2 : 0);
  const w3 = new Float32Array(buf, W3, Hout * Kp);
  const hid1 = new Float32Array(buf, HID1, H1);
  const hid2 = new Float32Array(buf, HID2, Math.max(H2, 1));
  const dh1 = new Float32Array(buf, DH1, H1);
  const dh2 = new Float32Array(buf, DH2, Math.max(H2, 1));
  const z = new Float32Array(buf, Z, Kp);
  const dz = new Float32Array(buf, DZ, Kp);
  const ar1 = new Int32Array(buf, AR1, H1);
  const av1 = new Float32Array(buf, AV1, H1);
  const ar2 = new Int32Array(buf, AR2, Hout);
  const av2 = new Float32Array(buf, AV2, Hout);
  packExamples(x, starts, H1 * 4, new Int32Array(buf, ROWS, nnzTotal), new Float32Array(buf, VALS, nnzTotal));
  const random = seededRandom(seed);
  for (let q = 0; q < w1.length; q++) w1[q] = gaussian(random) * INIT;
  if (deep) {
    const l2 = Math.sqrt(6 / (H1 + H2));
    for (let q = 0; q < w2.length; q++) w2[q] = (2 * random() - 1) * l2;
  }
  const l3 = Math.sqrt(6 / (Hout + K));
  for (let u = 0; u < Hout; u++) for (let k = 0; k < K; k++) w3[u * Kp + k] = (2 * random() - 1) * l3;
  const b1 = new Float64Array(H1);
  const b2 = new Float64Array(Math.max(H2, 1));
  const b3 = new Float64Array(K);
  const p = new Float64Array(K);
  let n1 = 0;
  let n2 = 0;

  /** Forward from a packed row at (rows, vals, nnz); fills hid1, hid2, the active lists and p (softmax). */
  const forward = (rows: number, vals: number, nnz: number) => {
    hid1.fill(0);
    kernels.accumulate(rows, vals, nnz, W1, H1, 1, HID1);
    n1 = 0;
    for (let u = 0; u < H1; u++) {
      const v = Math.max(0, (hid1[u] as number) + (b1[u] as number));
      hid1[u] = v;
      if (v <= 0) continue;
      ar1[n1] = u * (deep ? H2 : Kp) * 4;
      av1[n1++] = v;
    }
    if (deep) {
      hid2.fill(0);
      kernels.accumulate(AR1, AV1, n1, W2, H2, 1, HID2);
      n2 = 0;
      for (let v = 0; v < H2; v++) {
        const a = Math.max(0, (hid2[v] as number) + (b2[v] as number));
        hid2[v] = a;
        if (a <= 0) continue;
        ar2[n2] = v * Kp * 4;
        av2[n2++] = a;
      }
    }
    z.fill(0);
    if (deep) kernels.accumulate(AR2, AV2, n2, W3, Kp, 1, Z);
    else kernels.accumulate(AR1, AV1, n1, W3, Kp, 1, Z);
    for (let k = 0; k < K; k++) p[k] = (z[k] as number) + (b3[k] as number);
  };

  const order = indexOrder(x.length);
  const steps = EPOCHS * x.length;
  let t = 0;
  for (let e = 0; e < EPOCHS; e++) {
    shuffleIndices(order, random);
    for (let n = 0; n < order.length; n++) {
      const row = order[n] as number;
      const s = starts[row] as number;
      const nnz = (starts[row + 1] as number) - s;
      const lr = ETA0 * (1 - t++ / steps);
      forward(ROWS + s * 4, VALS + s * 4, nnz);
      lossGradient(p, y[row] as number);
      for (let k = 0; k < K; k++) {
        dz[k] = p[k] as number;
        b3[k] = (b3[k] as number) - lr * (p[k] as number);
      }
      dh1.fill(0);
      if (deep) {
        // dh2 over active second-layer units, with W3 before its update
        dh2.fill(0);
        for (let a = 0; a < n2; a++) {
          const base = (ar2[a] as number) >> 2;
          let g = 0;
          for (let k = 0; k < K; k++) g += (w3[base + k] as number) * (dz[k] as number);
          const v = base / Kp;
          dh2[v] = g;
          b2[v] = (b2[v] as number) - lr * g;
        }
        // dh1 over active first-layer units, with W2 before its update
        for (let a = 0; a < n1; a++) {
          const base = (ar1[a] as number) >> 2;
          let g = 0;
          for (let v = 0; v < H2; v++) g += (w2[base + v] as number) * (dh2[v] as number);
          const u = base / H2;
          dh1[u] = g;
          b1[u] = (b1[u] as number) - lr * g;
        }
        kernels.update(AR2, AV2, n2, W3, Kp, lr, DZ);
        kernels.update(AR1, AV1, n1, W2, H2, lr, DH2);
      } else {
        for (let a = 0; a < n1; a++) {
          const base = (ar1[a] as number) >> 2;
          let g = 0;
          for (let k = 0; k < K; k++) g += (w3[base + k] as number) * (dz[k] as number);
          const u = base / Kp;
          dh1[u] = g;
          b1[u] = (b1[u] as number) - lr * g;
        }
        kernels.update(AR1, AV1, n1, W3, Kp, lr, DZ);
      }
      kernels.update(ROWS + s * 4, VALS + s * 4, nnz, W1, H1, lr, DH1);
    }
  }
  const qr = new Int32Array(buf, QR, MAXQ);
  const qv = new Float32Array(buf, QV, MAXQ);
  /** Logits into `out`, and copies of both hidden layers. */
  return (v: SparseVector, out: Float64Array) => {
    if (v.indices.length > MAXQ) throw new Error("row too long");
    for (let j = 0; j < v.indices.length; j++) {
      qr[j] = (v.indices[j] as number) * H1 * 4;
      qv[j] = v.values[j] as number;
    }
    forward(QR, QV, v.indices.length);
    out.set(p.subarray(0, K));
    return { h1: Float32Array.from(hid1), h2: deep ? Float32Array.from(hid2) : new Float32Array(0) };
  };
}

function normalised(h: Float32Array): Float32Array {
  let s = 0;
  for (const v of h) s += v * v;
  const k = s > 0 ? 1 / Math.sqrt(s) : 0;
  return Float32Array.from(h, (v) => v * k);
}

function vote(q: Float32Array, mem: Float32Array[], memY: Int32Array, out: Float64Array) {
  const sims = mem.map((m) => {
    let d = 0;
    for (let u = 0; u < q.length; u++) d += (q[u] as number) * (m[u] as number);
    return d;
  });
  const best = [...sims.keys()].sort((a, b) => (sims[b] as number) - (sims[a] as number)).slice(0, 5);
  out.fill(0);
  let tot = 0;
  for (const r of best) {
    const w = Math.exp((sims[r] as number) / 0.05);
    out[memY[r] as number] = (out[memY[r] as number] as number) + w;
    tot += w;
  }
  for (let c = 0; c < K; c++) out[c] = (out[c] as number) / tot;
}

console.log(machineNotes());
console.log(
  `H1 ${H1}, H2 ${H2}, epochs ${EPOCHS}, η0 ${ETA0}, σ ${INIT}, loss ${LOSS}${LOSS === "focal" ? ` γ ${GAMMA}` : LOSS === "hinge" ? ` margin ${MARGIN}` : ""}`,
);
const layers = H2 > 0 ? (["h1", "h2", "h1+h2"] as const) : (["h1"] as const);
type Res = {
  split: string;
  mlpAcc: number;
  byLayer: Record<string, { accuracy: number; coverage: number; precision: number }>;
  cpu: number;
};
const results: Res[] = [];
const only = process.argv
  .find((a) => a.startsWith("--only="))
  ?.slice(7)
  .split(",");
for (const s of splits()) {
  if (only && !only.includes(s.name)) continue;
  const prep = await prepareTraining(s.trainPart, { labels, dev: s.heldOut }, { minDf: 2 });
  const c0 = process.cpuUsage();
  const net = train(prep.x, prep.y, prep.featuriser.size, 1);
  const c = process.cpuUsage(c0);
  const { temperature } = prep.calibrate((v, out) => {
    net(v, out);
  });
  const out = new Float64Array(K);
  const mem = prep.x.map((v) => net(v, out));
  const memY = prep.y;
  const linear = f32(`${members}${s.name}.linear`);
  const byLayer: Res["byLayer"] = {};
  let mlpRight = 0;
  const held = s.heldOut.map((e) => {
    const r = net(prep.featuriser.transform(e.text), out);
    const probs = Float64Array.from(out, (v) => v / temperature);
    softmaxInPlace(probs, K);
    return { ...r, probs, y: labels.indexOf(e.label) };
  });
  for (const h of held) {
    let a = 0;
    for (let k = 1; k < K; k++) if ((h.probs[k] as number) > (h.probs[a] as number)) a = k;
    if (a === h.y) mlpRight++;
  }
  for (const layer of layers) {
    const pick = (r: { h1: Float32Array; h2: Float32Array }) =>
      normalised(
        layer === "h1"
          ? r.h1
          : layer === "h2"
            ? r.h2
            : Float32Array.from([...normalised(r.h1), ...normalised(r.h2)]),
      );
    const memory = mem.map(pick);
    const v = new Float64Array(K);
    let right = 0;
    const items = held.map((h, i) => {
      vote(pick(h), memory, memY, v);
      let a = 0;
      const p = new Float64Array(K);
      for (let k = 0; k < K; k++) {
        p[k] = 0.25 * (h.probs[k] as number) + 0.25 * (linear[i * K + k] as number) + 0.5 * (v[k] as number);
        if ((p[k] as number) > (p[a] as number)) a = k;
      }
      if (a === h.y) right++;
      return { confidence: p[a] as number, right: a === h.y };
    });
    byLayer[layer] = { accuracy: right / held.length, ...crossCoverage(items) };
  }
  results.push({ split: s.name, mlpAcc: mlpRight / held.length, byLayer, cpu: (c.user + c.system) / 1e6 });
  console.error(
    `${s.name}: MLP alone ${fmt((100 * mlpRight) / held.length, 2)}, ${JSON.stringify(byLayer)}, train ${fmt((c.user + c.system) / 1e6, 2)} s CPU`,
  );
}
const folds = results.slice(1);
const d = results[0] as Res;
const mean = (f: (r: Res) => number) => folds.reduce((t, r) => t + f(r), 0) / folds.length;
console.log(
  markdownTable(
    [
      "net (vote layer)",
      "dev acc %",
      "dev covers %",
      "5-fold acc %",
      "per fold",
      "5-fold covers % (precision)",
      "MLP alone dev / 5-fold %",
      "MLP train CPU s (dev)",
    ],
    layers.map((l) => [
      `${H1}${H2 > 0 ? ` → ${H2}` : ""}, ${EPOCHS} epochs, η0 ${ETA0} (vote in ${l})`,
      fmt(100 * (d.byLayer[l]?.accuracy ?? 0), 2),
      fmt(100 * (d.byLayer[l]?.coverage ?? 0), 1),
      fmt(100 * mean((r) => r.byLayer[l]?.accuracy ?? 0), 2),
      folds.map((r) => fmt(100 * (r.byLayer[l]?.accuracy ?? 0), 2)).join(" / "),
      `${fmt(100 * mean((r) => r.byLayer[l]?.coverage ?? 0), 1)} (${fmt(100 * mean((r) => r.byLayer[l]?.precision ?? 0), 2)})`,
      `${fmt(100 * d.mlpAcc, 2)} / ${fmt(100 * mean((r) => r.mlpAcc), 2)}`,
      fmt(d.cpu, 2),
    ]),
  ),
);
