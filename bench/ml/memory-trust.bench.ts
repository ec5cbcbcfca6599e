// Issue 13, round 5 prototype: a vote that trusts some training texts less. Banking77 has noisy
// labels; a neighbour whose own label the out-of-fold models disagree with may pass its noise on.
// Each memory row's weight exp(cos / 0.05) is multiplied by a trust taken from the split's
// out-of-fold parts (crossfit-cache.bench.ts: the mix predicted for that training text by models
// that did not see it): `α` when the out-of-fold answer is not its label (1 otherwise), or the
// out-of-fold probability of its label raised to γ. Needs the `base` member and the crossfit cache.
//
//   node --conditions=@catena/source bench/ml/memory-trust.bench.ts
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { fmt, machineNotes, markdownTable } from "../lib/report.ts";
import { crossCoverage, labels } from "./fold-protocol.ts";

const K = labels.length;
const H = 256;
const KN = 5;
const members = fileURLToPath(new URL("./out/members/base/", import.meta.url));
const crossfit = fileURLToPath(new URL("./out/crossfit/", import.meta.url));
const f32 = (p: string) => {
  const b = readFileSync(p);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};
const i32 = (p: string) => {
  const b = readFileSync(p);
  return new Int32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};
const SPLITS = ["dev", "fold0", "fold1", "fold2", "fold3", "fold4"];
const CANDIDATES = 40; // nearest rows kept per query: trust re-weights, then the best KN vote

console.log(machineNotes());
const cache = SPLITS.map((s) => {
  const at = `${members}${s}.`;
  const y = i32(`${at}y`);
  const hidden = f32(`${at}hidden`);
  const memory = f32(`${at}memory`);
  const memY = i32(`${at}memoryLabels`);
  const parts = { mlp: f32(`${at}mlp`), linear: f32(`${at}linear`), vote: f32(`${at}vote`) };
  const oof = ["mlp", "linear", "vote"].map((k) => f32(`${crossfit}${s}/train.${k}`)) as Float32Array[];
  const trainY = i32(`${crossfit}${s}/train.y`);
  const R = memY.length;
  if (trainY.length !== R || trainY.some((v, r) => v !== memY[r]))
    throw new Error(`${s}: memory and crossfit order differ`);
  // Out-of-fold: the mix's probability of the row's own label, and whether it is the answer.
  const ownP = new Float64Array(R);
  const agrees = new Uint8Array(R);
  for (let r = 0; r < R; r++) {
    let a = 0;
    let best = -1;
    for (let c = 0; c < K; c++) {
      const q = r * K + c;
      const v =
        0.25 * (oof[0]?.[q] as number) + 0.25 * (oof[1]?.[q] as number) + 0.5 * (oof[2]?.[q] as number);
      if (v > best) {
        best = v;
        a = c;
      }
      if (c === memY[r]) ownP[r] = v;
    }
    agrees[r] = a === memY[r] ? 1 : 0;
  }
  const N = y.length;
  const nearRow = new Int32Array(N * CANDIDATES);
  const nearSim = new Float32Array(N * CANDIDATES);
  const sims = new Float32Array(R);
  for (let i = 0; i < N; i++) {
    const q = hidden.subarray(i * H, (i + 1) * H);
    for (let r = 0; r < R; r++) {
      let d = 0;
      const b = r * H;
      for (let u = 0; u < H; u++) d += (q[u] as number) * (memory[b + u] as number);
      sims[r] = d;
    }
    const idx = Array.from({ length: R }, (_, r) => r)
      .sort((a, b) => (sims[b] as number) - (sims[a] as number))
      .slice(0, CANDIDATES);
    idx.forEach((r, j) => {
      nearRow[i * CANDIDATES + j] = r;
      nearSim[i * CANDIDATES + j] = sims[r] as number;
    });
  }
  console.error(
    `${s}: ${R - agrees.reduce((t, v) => t + v, 0)} of ${R} training texts answered otherwise out of fold`,
  );
  return { s, y, N, memY, ownP, agrees, nearRow, nearSim, ...parts };
});

function run(name: string, trust: (c: (typeof cache)[number], r: number) => number, pool: number) {
  const per = cache.map((c) => {
    const v = new Float64Array(K);
    const p = new Float64Array(K);
    let right = 0;
    const items: { confidence: number; right: boolean }[] = [];
    for (let i = 0; i < c.N; i++) {
      // the KN best by trust-weighted score among the `pool` nearest
      const cand: { r: number; w: number }[] = [];
      for (let j = 0; j < pool; j++) {
        const r = c.nearRow[i * CANDIDATES + j] as number;
        cand.push({ r, w: Math.exp((c.nearSim[i * CANDIDATES + j] as number) / 0.05) * trust(c, r) });
      }
      cand.sort((a, b) => b.w - a.w);
      v.fill(0);
      let tot = 0;
      for (const { r, w } of cand.slice(0, KN)) {
        v[c.memY[r] as number] = (v[c.memY[r] as number] as number) + w;
        tot += w;
      }
      let a = 0;
      for (let k = 0; k < K; k++) {
        const q = i * K + k;
        const vote = tot > 0 ? (v[k] as number) / tot : (c.vote[q] as number);
        p[k] = 0.25 * (c.mlp[q] as number) + 0.25 * (c.linear[q] as number) + 0.5 * vote;
        if ((p[k] as number) > (p[a] as number)) a = k;
      }
      const ok = a === c.y[i];
      if (ok) right++;
      items.push({ confidence: p[a] as number, right: ok });
    }
    return { s: c.s, accuracy: right / c.N, ...crossCoverage(items) };
  });
  const d = per[0] as (typeof per)[number];
  const folds = per.slice(1);
  const mean = (f: (p: (typeof per)[number]) => number) => folds.reduce((t, p) => t + f(p), 0) / folds.length;
  const row = [
    name,
    fmt(100 * d.accuracy, 2),
    fmt(100 * d.coverage, 1),
    fmt(100 * mean((p) => p.accuracy), 2),
    folds.map((p) => fmt(100 * p.accuracy, 2)).join(" / "),
    `${fmt(100 * mean((p) => p.coverage), 1)} (${fmt(100 * mean((p) => p.precision), 2)})`,
  ];
  console.error(row.join(" | "));
  return row;
}

const rows = [run("shipped vote (trust 1, 5 nearest)", () => 1, KN)];
for (const alpha of [0, 0.3, 0.6]) {
  for (const pool of [KN, CANDIDATES]) {
    rows.push(
      run(
        `trust α ${alpha} where the out-of-fold answer differs, best 5 of ${pool} nearest`,
        (c, r) => (c.agrees[r] ? 1 : alpha),
        pool,
      ),
    );
  }
}
for (const g of [0.5, 1]) {
  rows.push(
    run(
      `trust = out-of-fold p(own label)^${g}, best 5 of ${CANDIDATES}`,
      (c, r) => (c.ownP[r] as number) ** g,
      CANDIDATES,
    ),
  );
}
console.log(
  markdownTable(
    ["vote", "dev acc %", "dev covers %", "5-fold acc %", "per fold", "5-fold covers % (precision)"],
    rows,
  ),
);
