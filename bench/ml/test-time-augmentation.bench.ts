// Issue 13, round 6 prototype: test-time augmentation. The shipped classifier of each split (saved by
// `classifier-members.bench.ts --member=base --save`) predicts the held-out text and deterministic
// perturbations of it: every word dropped in turn for texts of ≤ --maxWords words, else --copies
// word-dropout copies (rate 0.15, seeded by the item). Scored on the dev split and the 5 folds with
// the honest "covers at 97%" protocol (bench/ml/fold-protocol.ts):
//   mean λ     p = λ · p(text) + (1 − λ) · mean p(perturbed): argmax and confidence from p;
//   stability  argmax of p(text), confidence = p(text)[a] × the mean over perturbations of p[a] / max p
//              (how well the answer survives losing a word), or the min over perturbations of p[a].
//
//   node --conditions=@catena/source bench/ml/test-time-augmentation.bench.ts [--maxWords=20] [--copies=8]
import { fileURLToPath } from "node:url";
import { NeuralTextClassifier, seededRandom } from "@catena/core/ml";
import { fmt, machineNotes, markdownTable } from "../lib/report.ts";
import { crossCoverage, labels, splits } from "./fold-protocol.ts";

const K = labels.length;
const arg = (n: string, d: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${n}=`))?.slice(n.length + 3) ?? d);
const MAX_WORDS = arg("maxWords", 20);
const COPIES = arg("copies", 8);
const base = fileURLToPath(new URL("./out/members/base/", import.meta.url));

/** The perturbed copies of a text: each word dropped in turn, or seeded word-dropout copies. */
function perturbations(text: string, seed: number): string[] {
  const w = text.split(/\s+/).filter((t) => t.length > 0);
  if (w.length <= 1) return [];
  if (w.length <= MAX_WORDS) return w.map((_, i) => w.filter((_, j) => j !== i).join(" "));
  const random = seededRandom(seed);
  return Array.from({ length: COPIES }, () => {
    const kept = w.filter(() => random() >= 0.15);
    return (kept.length > 0 ? kept : w).join(" ");
  });
}

const argmax = (p: Float64Array) => {
  let a = 0;
  for (let c = 1; c < K; c++) if ((p[c] as number) > (p[a] as number)) a = c;
  return a;
};

type Scored = { accuracy: number; coverage: number; precision: number };
const rows = new Map<string, Scored[]>();
const add = (n: string, s: Scored) => rows.set(n, [...(rows.get(n) ?? []), s]);
const cpus: number[] = [];
console.log(machineNotes());
console.log(`each word dropped in turn up to ${MAX_WORDS} words, else ${COPIES} dropout copies (0.15)`);
for (const s of splits()) {
  const c = NeuralTextClassifier.load(`${base}${s.name}.classifier`);
  const c0 = process.cpuUsage();
  const per = s.heldOut.map((e, i) => {
    const orig = c.probabilities(e.text);
    const ps = perturbations(e.text, 1000 + i).map((t) => c.probabilities(t));
    return { y: labels.indexOf(e.label), orig, ps };
  });
  const cpu = process.cpuUsage(c0);
  cpus.push((cpu.user + cpu.system) / 1e6 / s.heldOut.length);
  const scored = (f: (x: (typeof per)[number]) => { a: number; confidence: number }): Scored => {
    let right = 0;
    const items = per.map((x) => {
      const { a, confidence } = f(x);
      if (a === x.y) right++;
      return { confidence, right: a === x.y };
    });
    return { accuracy: right / per.length, ...crossCoverage(items) };
  };
  for (const lambda of [1, 0.75, 0.5, 0.25, 0]) {
    add(
      lambda === 1 ? "shipped (no augmentation)" : `mean, λ ${lambda}`,
      scored((x) => {
        const p = Float64Array.from(x.orig, (v) => lambda * v);
        if (x.ps.length === 0) p.set(x.orig);
        else
          for (const q of x.ps)
            for (let k = 0; k < K; k++)
              p[k] = (p[k] as number) + ((1 - lambda) * (q[k] as number)) / x.ps.length;
        const a = argmax(p);
        return { a, confidence: p[a] as number };
      }),
    );
  }
  add(
    "stability: p[a] × mean over copies of p'[a] / max p'",
    scored((x) => {
      const a = argmax(x.orig);
      let st = 1;
      if (x.ps.length > 0) {
        st = 0;
        for (const q of x.ps) st += (q[a] as number) / (q[argmax(q)] as number) / x.ps.length;
      }
      return { a, confidence: (x.orig[a] as number) * st };
    }),
  );
  add(
    "stability: min over text and copies of p[a]",
    scored((x) => {
      const a = argmax(x.orig);
      let m = x.orig[a] as number;
      for (const q of x.ps) m = Math.min(m, q[a] as number);
      return { a, confidence: m };
    }),
  );
  add(
    "stability: p[a] × share of copies answering a",
    scored((x) => {
      const a = argmax(x.orig);
      const share = x.ps.length ? x.ps.filter((q) => argmax(q) === a).length / x.ps.length : 1;
      return { a, confidence: (x.orig[a] as number) * share };
    }),
  );
  console.error(
    `${s.name}: ${[...rows].map(([n, r]) => `${n}: ${fmt(100 * (r.at(-1)?.accuracy ?? 0), 2)}/${fmt(100 * (r.at(-1)?.coverage ?? 0), 1)}`).join("; ")}`,
  );
}
console.log(
  markdownTable(
    [
      "confidence",
      "dev acc %",
      "dev covers % (precision)",
      "5-fold acc %",
      "per fold",
      "5-fold covers % (precision)",
      "per fold covers %",
    ],
    [...rows].map(([name, r]) => {
      const d = r[0] as Scored;
      const folds = r.slice(1);
      const mean = (f: (x: Scored) => number) => folds.reduce((t, x) => t + f(x), 0) / folds.length;
      return [
        name,
        fmt(100 * d.accuracy, 2),
        `${fmt(100 * d.coverage, 1)} (${fmt(100 * d.precision, 2)})`,
        fmt(100 * mean((x) => x.accuracy), 2),
        folds.map((x) => fmt(100 * x.accuracy, 2)).join(" / "),
        `${fmt(100 * mean((x) => x.coverage), 1)} (${fmt(100 * mean((x) => x.precision), 2)})`,
        folds.map((x) => fmt(100 * x.coverage, 1)).join(" / "),
      ];
    }),
  ),
);
console.log(
  `prediction CPU ms per held-out item (text + copies): ${cpus.map((c) => fmt(1000 * c, 1)).join(" / ")}`,
);
