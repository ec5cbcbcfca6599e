// Issue 13, round 7 prototype: training-time augmentation of the perceptron and out-of-vocabulary
// spelling normalisation, on the dev split and the 5 folds (bench/ml/fold-protocol.ts).
//
// Augmentation: the perceptron's epoch e trains on a fresh perturbed version of every training text
// (`trainNeuralClassifier`'s `mlpViews`), drawn with a per-view seed: word dropout, adjacent-word
// swaps, a word replaced by one of its nearest neighbours in a PPMI space learnt from the training
// part only (bench/ml/ppmi-embedding.ts), character typos (insert / delete / transpose / substitute).
// Each text of a view is perturbed with probability `--share`, else kept as it is. The featuriser,
// the linear model and the kNN memory see the texts as given.
//
// Spelling (`--spell`): a token not in the training part's vocabulary is mapped, before featurising,
// to the most frequent vocabulary word within edit distance 1 (2 for words of ≥ `--long` letters);
// with `--spell=train` the training part's words seen once are mapped the same way to words seen
// at least twice, in training and at prediction.
//
//   node --conditions=@catena/source bench/ml/train-augmentation.bench.ts --name=control [--only=dev,fold0,fold1]
//   node --conditions=@catena/source bench/ml/train-augmentation.bench.ts --name=drop --drop=0.1 --share=0.5
//   node --conditions=@catena/source bench/ml/train-augmentation.bench.ts --name=spell --spell=predict
//   node --conditions=@catena/source bench/ml/train-augmentation.bench.ts --oov     # OOV counts only
// Each run appends its row to out/aug/<seed dir>rows.md and writes per-item signals to out/aug/<seed dir><name>/.
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type LabelledExample, seededRandom, trainNeuralClassifier } from "@catena/core/ml";
import { tokenize } from "../../packages/core/src/ml/ngram-hasher.ts";
import { fmt, machineNotes, markdownTable, numberArg, stringArg } from "../lib/report.ts";
import { crossCoverage, labels, seedDir, splits } from "./fold-protocol.ts";
import { ppmiWordSpace } from "./ppmi-embedding.ts";

const K = labels.length;
const outDir = fileURLToPath(new URL(`./out/aug/${seedDir}`, import.meta.url));
const NAME = stringArg("name") ?? "control";
const EPOCHS = numberArg("epochs", 5);
const VIEWS = numberArg("views", EPOCHS);
const SHARE = numberArg("share", 0.5);
const DROP = numberArg("drop", 0);
const SWAP = numberArg("swap", 0);
const SYN = numberArg("syn", 0);
const TYPO = numberArg("typo", 0);
const SYN_K = numberArg("synK", 5);
const SPELL = stringArg("spell"); // "predict" | "train"
const LONG = numberArg("long", 8);
/** Seed of the perturbations (view v draws from AUG_SEED + v). */
const AUG_SEED = numberArg("augSeed", 1000);
const ONLY = stringArg("only")?.split(",");
// `--self=t`: self-training. The model trained on a fold's training part labels the dev split's texts
// (unlabelled, never scored on the folds); those it answers with confidence ≥ t join the training
// part and the model is trained again. Folds only (dev has no unlabelled pool of its own).
const SELF = numberArg("self", 0);
// Round 8: `--centre=w` adds the perceptron's centre loss (cosine to its class's running centre,
// `trainSparseMlp`'s `centreLoss`, rate `--centreRate`), alone or with augmentation.
const CENTRE = numberArg("centre", 0);
const CENTRE_RATE = numberArg("centreRate", 0.05);
const centreOption = CENTRE > 0 ? { centreLoss: { weight: CENTRE, rate: CENTRE_RATE } } : {};
const LETTERS = "abcdefghijklmnopqrstuvwxyz";

/** Word counts of texts (the featuriser's tokens). */
function wordCounts(texts: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of texts) for (const w of tokenize(t)) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

/** Every string at edit distance 1 of `w` (insert, delete, substitute, transpose), lower-case letters. */
function edits1(w: string): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i <= w.length; i++) {
    const [a, b] = [w.slice(0, i), w.slice(i)];
    if (b) out.add(a + b.slice(1));
    if (b.length > 1) out.add(a + b[1] + b[0] + b.slice(2));
    for (const c of LETTERS) {
      if (b) out.add(a + c + b.slice(1));
      out.add(a + c + b);
    }
  }
  out.delete(w);
  return out;
}

/** Maps tokens outside `vocab` to its most frequent word within edit distance 1 (2 when long). */
function speller(vocab: Map<string, number>) {
  const cache = new Map<string, string>();
  const best = (candidates: Iterable<string>): string | undefined => {
    let pick: string | undefined;
    for (const c of candidates) {
      const n = vocab.get(c);
      if (
        n !== undefined &&
        (pick === undefined || n > (vocab.get(pick) as number) || (n === vocab.get(pick) && c < pick))
      )
        pick = c;
    }
    return pick;
  };
  const fix = (w: string): string => {
    if (vocab.has(w) || /^\d+$/.test(w) || w.length < 3) return w;
    const hit = cache.get(w);
    if (hit !== undefined) return hit;
    const one = edits1(w);
    let pick = best(one);
    if (pick === undefined && w.length >= LONG) {
      const two = new Set<string>();
      for (const e of one) for (const f of edits1(e)) two.add(f);
      pick = best(two);
    }
    cache.set(w, pick ?? w);
    return pick ?? w;
  };
  return { fix, text: (t: string) => tokenize(t).map(fix).join(" ") };
}

/** The perturbed views of the training texts (view v seeded by v), per the command line. */
function viewsOf(texts: readonly string[]): string[][] {
  const neighbours = new Map<string, string[]>();
  if (SYN > 0) {
    const space = ppmiWordSpace(texts);
    const counts = wordCounts(texts);
    const words = [...space.vocab.keys()].filter((w) => (counts.get(w) ?? 0) >= 3);
    const D = space.dim;
    for (const w of words) {
      const i = space.vocab.get(w) as number;
      const scored: [string, number][] = [];
      for (const u of words) {
        if (u === w) continue;
        const j = space.vocab.get(u) as number;
        let d = 0;
        for (let q = 0; q < D; q++)
          d += (space.vectors[i * D + q] as number) * (space.vectors[j * D + q] as number);
        scored.push([u, d]);
      }
      scored.sort((a, b) => b[1] - a[1]);
      neighbours.set(
        w,
        scored.slice(0, SYN_K).map((s) => s[0]),
      );
    }
  }
  const typo = (w: string, r: () => number): string => {
    if (w.length < 3 || /\d/.test(w)) return w;
    const i = Math.floor(r() * w.length);
    const c = LETTERS[Math.floor(r() * 26)] as string;
    switch (Math.floor(r() * 4)) {
      case 0:
        return w.slice(0, i) + c + w.slice(i);
      case 1:
        return w.slice(0, i) + w.slice(i + 1);
      case 2:
        return i < w.length - 1 ? w.slice(0, i) + w[i + 1] + w[i] + w.slice(i + 2) : w;
      default:
        return w.slice(0, i) + c + w.slice(i + 1);
    }
  };
  return Array.from({ length: VIEWS }, (_, v) => {
    const r = seededRandom(AUG_SEED + v);
    return texts.map((text) => {
      if (r() >= SHARE) return text;
      let t = tokenize(text);
      if (DROP > 0 && t.length > 1) {
        const kept = t.filter(() => r() >= DROP);
        t = kept.length > 0 ? kept : [t[Math.floor(r() * t.length)] as string];
      }
      if (SWAP > 0) {
        for (let i = 0; i + 1 < t.length; i++) {
          if (r() < SWAP) [t[i], t[i + 1]] = [t[i + 1] as string, t[i] as string];
        }
      }
      if (SYN > 0) {
        t = t.map((w) => {
          const n = neighbours.get(w);
          return n && n.length > 0 && r() < SYN ? (n[Math.floor(r() * n.length)] as string) : w;
        });
      }
      if (TYPO > 0) t = t.map((w) => (r() < TYPO ? typo(w, r) : w));
      return t.join(" ");
    });
  });
}

const augmenting = DROP + SWAP + SYN + TYPO > 0;

if (process.argv.includes("--oov")) {
  // How many held-out tokens the training part never saw, and how many the speller maps.
  const rows = splits().map((s) => {
    const counts = wordCounts(s.trainPart.map((e) => e.text));
    const sp = speller(counts);
    let tokens = 0;
    let oov = 0;
    let mapped = 0;
    let textsWithOov = 0;
    for (const e of s.heldOut) {
      let any = false;
      for (const w of tokenize(e.text)) {
        tokens++;
        if (counts.has(w)) continue;
        oov++;
        any = true;
        if (sp.fix(w) !== w) mapped++;
      }
      if (any) textsWithOov++;
    }
    return [
      s.name,
      String(tokens),
      fmt((100 * oov) / tokens, 2),
      fmt((100 * mapped) / tokens, 2),
      fmt((100 * textsWithOov) / s.heldOut.length, 1),
    ];
  });
  console.log(
    markdownTable(
      ["split", "held-out tokens", "OOV %", "mapped by the speller %", "texts with an OOV token %"],
      rows,
    ),
  );
  process.exit(0);
}

console.error(machineNotes());
const perSplit: { split: string; accuracy: number; coverage: number; precision: number; cpuS: number }[] = [];
for (const s of splits().filter((s) => !ONLY || ONLY.includes(s.name))) {
  const c0 = process.cpuUsage();
  let sp: ReturnType<typeof speller> | undefined;
  let trainPart: LabelledExample[] = s.trainPart;
  if (SPELL) {
    const counts = wordCounts(s.trainPart.map((e) => e.text));
    if (SPELL === "train") {
      const frequent = new Map([...counts].filter(([, n]) => n >= 2));
      sp = speller(frequent);
    } else sp = speller(counts);
    const fix = sp.text;
    trainPart = s.trainPart.map((e) => ({ ...e, text: fix(e.text) }));
  }
  const { classifier } = await trainNeuralClassifier(trainPart, {
    labels,
    mlpEpochs: EPOCHS,
    dev: sp
      ? s.heldOut.map((e) => ({ ...e, text: (sp as ReturnType<typeof speller>).text(e.text) }))
      : s.heldOut,
    ...(augmenting ? { mlpViews: viewsOf, linearViews: process.argv.includes("--linear") } : {}),
    ...centreOption,
  });
  let model = classifier;
  if (SELF > 0 && s.name !== "dev") {
    const pool = splits()[0]?.heldOut ?? [];
    const pseudo: LabelledExample[] = [];
    for (const e of pool) {
      const r = classifier.predict(e.text);
      if (r.confidence >= SELF) pseudo.push({ text: e.text, label: r.label });
    }
    const right = pseudo.filter((p) => p.label === pool.find((e) => e.text === p.text)?.label).length;
    console.error(
      `${s.name}: ${pseudo.length} pseudo-labelled dev texts, ${fmt((100 * right) / Math.max(1, pseudo.length), 1)}% right`,
    );
    ({ classifier: model } = await trainNeuralClassifier([...trainPart, ...pseudo], {
      labels,
      mlpEpochs: EPOCHS,
      dev: s.heldOut,
      ...(augmenting ? { mlpViews: viewsOf, linearViews: process.argv.includes("--linear") } : {}),
    }));
  }
  const cpu = process.cpuUsage(c0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const items: { confidence: number; right: boolean }[] = [];
  const signals: number[][] = [];
  const counts = wordCounts(s.trainPart.map((e) => e.text));
  for (const e of s.heldOut) {
    const text = sp ? sp.text(e.text) : e.text;
    const p = model.probabilities(text);
    let a = 0;
    let b = -1;
    for (let c = 1; c < K; c++) {
      if ((p[c] as number) > (p[a] as number)) {
        b = a;
        a = c;
      } else if (b < 0 || (p[c] as number) > (p[b] as number)) b = c;
    }
    const right = labels[a] === e.label;
    items.push({ confidence: p[a] as number, right });
    const toks = tokenize(e.text);
    const oov = toks.filter((w) => !counts.has(w)).length;
    signals.push([
      p[a] as number,
      p[b] as number,
      toks.length,
      toks.length ? oov / toks.length : 0,
      right ? 1 : 0,
    ]);
  }
  mkdirSync(`${outDir}${NAME}`, { recursive: true });
  writeFileSync(`${outDir}${NAME}/${s.name}.json`, JSON.stringify(signals));
  const accuracy = items.filter((i) => i.right).length / items.length;
  perSplit.push({ split: s.name, accuracy, ...crossCoverage(items), cpuS });
  console.error(
    `${NAME} ${s.name}: ${fmt(100 * accuracy, 2)} covers ${fmt(100 * (perSplit.at(-1)?.coverage ?? 0), 1)} ${fmt(cpuS, 2)} s CPU`,
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
const row = [
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
];
const table = markdownTable(
  [
    "variant",
    "dev acc %",
    "dev covers % (prec)",
    "fold acc %",
    "per fold",
    "fold covers % (prec)",
    "per fold covers",
    "train CPU s (dev)",
  ],
  [row],
);
console.log(table);
mkdirSync(outDir, { recursive: true });
appendFileSync(`${outDir}rows.md`, `${table.split("\n").at(-1)}\n`);
