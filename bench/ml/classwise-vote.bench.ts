// Issue 13, round 5 prototype: a class-wise neighbour vote in the hidden space, from the cached
// `base` member of `classifier-members.bench.ts`. Instead of the 5 nearest training texts overall,
// each class is scored by the mean of its own m most similar memory rows, and the vote is
// softmax(score / τ) over classes; mixed ½ / ½ with the models (replacing, or beside, the shipped vote).
//
//   node --conditions=@catena/source bench/ml/classwise-vote.bench.ts
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { fmt, machineNotes, markdownTable } from "../lib/report.ts";
import { crossCoverage, labels } from "./fold-protocol.ts";

const K = labels.length;
const dir = fileURLToPath(new URL("./out/members/base/", import.meta.url));
const f32 = (p: string) => {
  const b = readFileSync(p);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};
const i32 = (p: string) => {
  const b = readFileSync(p);
  return new Int32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};
const SPLITS = ["dev", "fold0", "fold1", "fold2", "fold3", "fold4"];
const H = 256;
const M_MAX = 5;

console.log(machineNotes());
// Per split: for each held-out item, each class's M_MAX best similarities (descending).
const cache = SPLITS.map((s) => {
  const at = `${dir}${s}.`;
  const y = i32(`${at}y`);
  const hidden = f32(`${at}hidden`);
  const memory = f32(`${at}memory`);
  const memLabels = i32(`${at}memoryLabels`);
  const parts = { mlp: f32(`${at}mlp`), linear: f32(`${at}linear`), vote: f32(`${at}vote`) };
  const N = y.length;
  const R = memLabels.length;
  const best = new Float32Array(N * K * M_MAX).fill(-2);
  const sims = new Float32Array(R);
  for (let i = 0; i < N; i++) {
    const q = hidden.subarray(i * H, (i + 1) * H);
    for (let r = 0; r < R; r++) {
      let d = 0;
      const b = r * H;
      for (let u = 0; u < H; u++) d += (q[u] as number) * (memory[b + u] as number);
      sims[r] = d;
    }
    for (let r = 0; r < R; r++) {
      const c = memLabels[r] as number;
      const o = (i * K + c) * M_MAX;
      let v = sims[r] as number;
      if (v <= (best[o + M_MAX - 1] as number)) continue;
      // insertion into the class's sorted list
      let j = M_MAX - 1;
      while (j > 0 && (best[o + j - 1] as number) < v) {
        best[o + j] = best[o + j - 1] as number;
        j--;
      }
      best[o + j] = v;
      v = 0;
    }
  }
  console.error(`${s} similarities done`);
  return { s, y, N, best, ...parts };
});

function run(name: string, m: number, tau: number, share: number) {
  const per = cache.map(({ s, y, N, best, mlp, linear, vote }) => {
    const p = new Float64Array(K);
    const cv = new Float64Array(K);
    let right = 0;
    const items: { confidence: number; right: boolean }[] = [];
    for (let i = 0; i < N; i++) {
      let mx = -Infinity;
      for (let c = 0; c < K; c++) {
        let t = 0;
        for (let j = 0; j < m; j++) t += best[(i * K + c) * M_MAX + j] as number;
        cv[c] = t / m / tau;
        mx = Math.max(mx, cv[c] as number);
      }
      let tot = 0;
      for (let c = 0; c < K; c++) tot += cv[c] = Math.exp((cv[c] as number) - mx);
      let a = 0;
      for (let c = 0; c < K; c++) {
        const q = i * K + c;
        const models = 0.5 * (mlp[q] as number) + 0.5 * (linear[q] as number);
        // share of the ½ vote given to the class-wise vote, the rest to the shipped vote
        p[c] = 0.5 * models + 0.5 * ((1 - share) * (vote[q] as number) + share * ((cv[c] as number) / tot));
        if ((p[c] as number) > (p[a] as number)) a = c;
      }
      const ok = a === y[i];
      if (ok) right++;
      items.push({ confidence: p[a] as number, right: ok });
    }
    return { s, accuracy: right / N, ...crossCoverage(items) };
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

const rows = [run("shipped vote (share 0)", 1, 1, 0)];
for (const m of [1, 3, 5]) {
  for (const tau of [0.02, 0.05]) {
    for (const share of [0.5, 1])
      rows.push(run(`class-wise: mean of ${m} best per class, τ ${tau}, share ${share}`, m, tau, share));
  }
}
console.log(
  markdownTable(
    ["vote", "dev acc %", "dev covers %", "5-fold acc %", "per fold", "5-fold covers % (precision)"],
    rows,
  ),
);
