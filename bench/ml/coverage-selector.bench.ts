// Issue 13, round 7 prototype: a selector for coverage. "Covers at 97%" depends only on how the
// confidence orders right and wrong answers; this fits a tiny logistic model "is the answer right"
// over a few signals on the half of the held-out items that chooses the threshold, and measures the
// other half (both ways), exactly like `crossCoverage` but with the selector's score instead of the
// mixed probability. No cross-fitting inside the training part (too slow, round 5).
// Signals: the mix's top probability (logit), its top-2 margin, the hidden-kNN vote's and the two
// models' probability of the answer, whether the vote's own argmax agrees, the share of the text's
// tokens the training part never saw, and the text's length.
// Needs the shipped default's parts: classifier-members.bench.ts --member=base (per FOLD_SEED).
//
//   node --conditions=@catena/source bench/ml/coverage-selector.bench.ts [--signals=top,margin,vote,agree,oov,len] [--lambda=1]
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { tokenize } from "../../packages/core/src/ml/ngram-hasher.ts";
import { fmt, markdownTable, numberArg, stringArg } from "../lib/report.ts";
import { crossCoverage, labels, seedDir, splits, TARGET_PRECISION } from "./fold-protocol.ts";

const K = labels.length;
const dir = fileURLToPath(new URL(`./out/members/${seedDir}base/`, import.meta.url));
const f32 = (p: string) => {
  const b = readFileSync(p);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};
const ALL = ["top", "margin", "vote", "mlp", "linear", "agree", "oov", "len"];
const LAMBDA = numberArg("lambda", 1);
const logit = (p: number) => Math.log(Math.max(p, 1e-6) / Math.max(1 - p, 1e-6));

interface Item {
  confidence: number;
  right: boolean;
  f: number[];
}

function itemsOf(name: string, texts: readonly string[], vocab: Set<string>, signals: string[]): Item[] {
  const [mlp, linear, vote] = ["mlp", "linear", "vote"].map((k) => f32(`${dir}${name}.${k}`)) as [
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const y = new Int32Array(readFileSync(`${dir}${name}.y`).buffer.slice(0));
  return texts.map((text, i) => {
    const p = new Float64Array(K);
    for (let c = 0; c < K; c++)
      p[c] =
        0.5 * (0.5 * (mlp[i * K + c] as number) + 0.5 * (linear[i * K + c] as number)) +
        0.5 * (vote[i * K + c] as number);
    let a = 0;
    for (let c = 1; c < K; c++) if ((p[c] as number) > (p[a] as number)) a = c;
    let b = a === 0 ? 1 : 0;
    for (let c = 0; c < K; c++) if (c !== a && (p[c] as number) > (p[b] as number)) b = c;
    let va = 0;
    for (let c = 1; c < K; c++) if ((vote[i * K + c] as number) > (vote[i * K + va] as number)) va = c;
    const toks = tokenize(text);
    const all: Record<string, number> = {
      top: logit(p[a] as number),
      margin: (p[a] as number) - (p[b] as number),
      vote: logit(vote[i * K + a] as number),
      mlp: logit(mlp[i * K + a] as number),
      linear: logit(linear[i * K + a] as number),
      agree: va === a ? 1 : 0,
      oov: toks.length ? toks.filter((w) => !vocab.has(w)).length / toks.length : 0,
      len: Math.log(1 + toks.length),
    };
    return { confidence: p[a] as number, right: a === y[i], f: signals.map((s) => all[s] as number) };
  });
}

/** L2-penalised logistic regression by Newton's method (few features), on standardised signals. */
function fitSelector(items: readonly Item[]): (f: number[]) => number {
  const d = (items[0] as Item).f.length;
  const mu = Array.from(
    { length: d },
    (_, j) => items.reduce((t, it) => t + (it.f[j] as number), 0) / items.length,
  );
  const sd = Array.from(
    { length: d },
    (_, j) =>
      Math.sqrt(
        items.reduce((t, it) => t + ((it.f[j] as number) - (mu[j] as number)) ** 2, 0) / items.length,
      ) || 1,
  );
  const z = (f: number[]) => [1, ...f.map((v, j) => (v - (mu[j] as number)) / (sd[j] as number))];
  const X = items.map((it) => z(it.f));
  const w = new Array<number>(d + 1).fill(0);
  for (let iter = 0; iter < 25; iter++) {
    const g = new Array<number>(d + 1).fill(0);
    const Hm = Array.from({ length: d + 1 }, () => new Array<number>(d + 1).fill(0));
    X.forEach((x, n) => {
      const s = 1 / (1 + Math.exp(-x.reduce((t, v, j) => t + v * (w[j] as number), 0)));
      const r = (items[n] as Item).right ? 1 : 0;
      for (let j = 0; j <= d; j++) {
        g[j] = (g[j] as number) + (s - r) * (x[j] as number);
        const row = Hm[j] as number[];
        for (let k = 0; k <= d; k++)
          row[k] = (row[k] as number) + s * (1 - s) * (x[j] as number) * (x[k] as number);
      }
    });
    for (let j = 1; j <= d; j++) {
      g[j] = (g[j] as number) + LAMBDA * (w[j] as number);
      (Hm[j] as number[])[j] = ((Hm[j] as number[])[j] as number) + LAMBDA;
    }
    // Solve Hm · step = g (Gauss–Jordan; d ≤ 9).
    const A = Hm.map((row, j) => [...row, g[j] as number]);
    for (let c = 0; c <= d; c++) {
      let piv = c;
      for (let r = c + 1; r <= d; r++)
        if (Math.abs((A[r] as number[])[c] as number) > Math.abs((A[piv] as number[])[c] as number)) piv = r;
      [A[c], A[piv]] = [A[piv] as number[], A[c] as number[]];
      const pc = A[c] as number[];
      for (let r = 0; r <= d; r++) {
        if (r === c) continue;
        const ar = A[r] as number[];
        const m = (ar[c] as number) / (pc[c] as number);
        for (let k = c; k <= d + 1; k++) ar[k] = (ar[k] as number) - m * (pc[k] as number);
      }
    }
    for (let j = 0; j <= d; j++)
      w[j] = (w[j] as number) - ((A[j] as number[])[d + 1] as number) / ((A[j] as number[])[j] as number);
  }
  return (f) => z(f).reduce((t, v, j) => t + v * (w[j] as number), 0);
}

/** `crossCoverage` with the selector fitted on the choosing half each way. */
function selectorCoverage(items: readonly Item[]) {
  const halves = [items.filter((_, i) => i % 2 === 0), items.filter((_, i) => i % 2 === 1)];
  let accepted = 0;
  let right = 0;
  for (const [choose, measure] of [
    [halves[0], halves[1]],
    [halves[1], halves[0]],
  ] as const) {
    const score = fitSelector(choose ?? []);
    const sorted = (choose ?? [])
      .map((it) => ({ s: score(it.f), right: it.right }))
      .sort((a, b) => b.s - a.s);
    let t = Number.POSITIVE_INFINITY;
    let r = 0;
    sorted.forEach((it, i) => {
      if (it.right) r++;
      if (r / (i + 1) >= TARGET_PRECISION) t = it.s;
    });
    for (const it of measure ?? []) {
      if (score(it.f) < t) continue;
      accepted++;
      if (it.right) right++;
    }
  }
  return { coverage: accepted / items.length, precision: accepted ? right / accepted : 1 };
}

const sets = (
  stringArg("signals") ??
  "top,margin;top,vote,agree;top,oov,len;top,margin,vote,agree,oov,len;top,margin,vote,mlp,linear,agree,oov,len"
)
  .split(";")
  .map((s) => s.split(","));
for (const s of sets)
  for (const x of s) if (!ALL.includes(x)) throw new Error(`unknown signal ${x}: ${ALL.join(", ")}`);
const all = splits();
const rows: string[][] = [];
const perSplit = all.map((sp) => ({
  name: sp.name,
  texts: sp.heldOut.map((e) => e.text),
  vocab: new Set(sp.trainPart.flatMap((e) => tokenize(e.text))),
}));
const base = perSplit.map((sp) => crossCoverage(itemsOf(sp.name, sp.texts, sp.vocab, ["top"])));
const row = (name: string, r: { coverage: number; precision: number }[]) => {
  const folds = r.slice(1);
  const m = (pick: (x: { coverage: number; precision: number }) => number) =>
    folds.reduce((t, x) => t + pick(x), 0) / folds.length;
  return [
    name,
    `${fmt(100 * (r[0] as { coverage: number }).coverage, 1)} (${fmt(100 * (r[0] as { precision: number }).precision, 2)})`,
    `${fmt(100 * m((x) => x.coverage), 1)} (${fmt(100 * m((x) => x.precision), 2)})`,
    folds.map((x) => fmt(100 * x.coverage, 1)).join(" / "),
  ];
};
rows.push(row("shipped confidence (the mix's top probability)", base));
for (const s of sets) {
  rows.push(
    row(
      `selector over ${s.join(", ")} (λ ${LAMBDA})`,
      perSplit.map((sp) => selectorCoverage(itemsOf(sp.name, sp.texts, sp.vocab, s))),
    ),
  );
}
console.log(
  markdownTable(["confidence", "dev covers % (precision)", "5-fold covers % (precision)", "per fold"], rows),
);
