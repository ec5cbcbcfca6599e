// The banking-intents classifier judged on the chain's fixed split AND on 5 folds of its training
// data, so that no figure rests on one split: accuracy, macro-F1, and how much the classifier tier
// answers at ≥ 97% precision (threshold chosen on one half of the held-out items and measured on
// the other half, then the other way round: an honest figure, not the optimistic one `calibrate`
// prints when it chooses and measures on the same items). Writes the folds as JSONL to
// bench/ml/out/folds/ so that bench/ml/sklearn-folds.py scores scikit-learn on the same items.
//
//   node --conditions=@catena/source bench/ml/classifier-folds.bench.ts [--variants] [--only=<name prefix>, e.g. v: for the variants alone]
//   /usr/bin/python3 bench/ml/sklearn-folds.py
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { TextClassifier } from "@catena/core";
import {
  type LabelledExample,
  seededRandom,
  type TrainingReport,
  trainClassifier,
  trainNeuralClassifier,
} from "@catena/core/ml";
import { fmt, machineNotes, markdownTable } from "../lib/report.ts";
import { crossCoverage, dev, FOLDS, foldsOf, labels, train } from "./fold-protocol.ts";

const outDir = fileURLToPath(new URL("./out/folds/", import.meta.url));

/** Trains on the examples, with the label set and the held-out items (temperature, report) given. */
type Trainer = (
  examples: readonly LabelledExample[],
  options: { labels: readonly string[]; dev: readonly LabelledExample[] },
) => Promise<{ classifier: TextClassifier; report: TrainingReport }>;

async function score(
  trainPart: readonly LabelledExample[],
  heldOut: readonly LabelledExample[],
  train: Trainer,
) {
  const c0 = process.cpuUsage();
  const { classifier, report } = await train(trainPart, { labels, dev: heldOut });
  const cpu = process.cpuUsage(c0);
  const items = heldOut.map((e) => {
    const p = classifier.predict(e.text);
    return { confidence: p.confidence, right: p.label === e.label };
  });
  return {
    accuracy: report.dev?.accuracy ?? 0,
    macroF1: report.dev?.macroF1 ?? 0,
    ...crossCoverage(items),
    wallS: report.trainingMs / 1000,
    cpuS: (cpu.user + cpu.system) / 1e6,
  };
}

const fold = foldsOf(train, FOLDS, 13);
mkdirSync(outDir, { recursive: true });
const jsonl = (rows: readonly LabelledExample[]) =>
  rows.map((e) => JSON.stringify({ text: e.text, label: e.label })).join("\n");
writeFileSync(`${outDir}train.jsonl`, jsonl(train));
writeFileSync(`${outDir}dev.jsonl`, jsonl(dev));
for (let k = 0; k < FOLDS; k++) {
  writeFileSync(`${outDir}fold${k}-train.jsonl`, jsonl(train.filter((_, i) => fold[i] !== k)));
  writeFileSync(`${outDir}fold${k}-test.jsonl`, jsonl(train.filter((_, i) => fold[i] === k)));
}

/** One copy of each text with each word dropped at `rate` (never all of them): EDA-style augmentation. */
function wordDropout(examples: readonly LabelledExample[], rate: number, seed: number): LabelledExample[] {
  const random = seededRandom(seed);
  return examples.map((e) => {
    const words = e.text.split(/\s+/);
    const kept = words.filter(() => random() >= rate);
    return { ...e, text: (kept.length > 0 ? kept : words).join(" ") };
  });
}

/** Light normalisation: contractions spelt out, digit runs as one token, currency signs as a word. */
function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[’`]/g, "'")
    .replace(/\bcan't\b/g, "can not")
    .replace(/\bwon't\b/g, "will not")
    .replace(/n't\b/g, " not")
    .replace(/'m\b/g, " am")
    .replace(/'re\b/g, " are")
    .replace(/'ve\b/g, " have")
    .replace(/'ll\b/g, " will")
    .replace(/'d\b/g, " would")
    .replace(/[0-9]+([.,][0-9]+)*/g, " 9 ")
    .replace(/[$£€¥]/g, " currency ");
}

/** A trainer on normalised texts whose classifier normalises what it is asked about. */
const normalised =
  (train: Trainer): Trainer =>
  async (e, o) => {
    const n = (rows: readonly LabelledExample[]) => rows.map((r) => ({ ...r, text: normalise(r.text) }));
    const { classifier, report } = await train(n(e), { ...o, dev: n(o.dev) });
    const predict: TextClassifier["predict"] = (text, options) =>
      classifier.predict(normalise(text), options);
    return {
      classifier: { contentHash: classifier.contentHash, labels: classifier.labels, predict },
      report,
    };
  };

const all: { name: string; train: Trainer; variant?: true }[] = [
  { name: "linear: trainClassifier (default)", train: (e, o) => trainClassifier(e, o) },
  {
    name: "neural: trainNeuralClassifier (default: MLP 256 + linear, mixed with the hidden-layer kNN vote)",
    train: (e, o) => trainNeuralClassifier(e, o),
  },
  {
    name: "v: round 2 default (no hidden-layer kNN)",
    train: (e, o) => trainNeuralClassifier(e, { ...o, neighbours: false }),
    variant: true,
  },
  {
    name: "v: + one word-dropout copy (0.15) of each training text",
    train: (e, o) => trainNeuralClassifier([...e, ...wordDropout(e, 0.15, 7)], o),
    variant: true,
  },
  {
    name: "v: texts normalised (contractions, numbers, currency signs)",
    train: normalised((e, o) => trainNeuralClassifier(e, o)),
    variant: true,
  },
  {
    name: "v: label smoothing 0.1 (MLP)",
    train: (e, o) => trainNeuralClassifier(e, { ...o, labelSmoothing: 0.1 }),
    variant: true,
  },
  {
    name: "v: texts normalised + label smoothing 0.1",
    train: normalised((e, o) => trainNeuralClassifier(e, { ...o, labelSmoothing: 0.1 })),
    variant: true,
  },
  {
    name: "v: MLP alone (256 ReLU, 5 epochs) + kNN",
    train: (e, o) => trainNeuralClassifier(e, { ...o, mlpWeight: 1 }),
    variant: true,
  },
  {
    name: "v: MLP (dropout 0.2, init 0.05) + linear + kNN",
    train: (e, o) => trainNeuralClassifier(e, { ...o, dropout: 0.2, initScale: 0.05 }),
    variant: true,
  },
  {
    name: "v: MLP + linear + kNN, min df 1",
    train: (e, o) => trainNeuralClassifier(e, { ...o, minDf: 1 }),
    variant: true,
  },
  {
    name: "v: linear alone, min df 1",
    train: (e, o) => trainClassifier(e, { ...o, minDf: 1 }),
    variant: true,
  },
];
const only = process.argv.find((a) => a.startsWith("--only="))?.slice("--only=".length);
const configurations = all.filter(
  (c) =>
    (process.argv.includes("--variants") || !c.variant) && (only === undefined || c.name.startsWith(only)),
);

console.log(
  `\n### Classifier: fixed dev split and ${FOLDS} folds of train (${train.length} / ${dev.length})\n`,
);
console.log(machineNotes());
const rows: string[][] = [];
for (const c of configurations) {
  const onDev = await score(train, dev, c.train);
  const folds: Awaited<ReturnType<typeof score>>[] = [];
  for (let k = 0; k < FOLDS; k++) {
    folds.push(
      await score(
        train.filter((_, i) => fold[i] !== k),
        train.filter((_, i) => fold[i] === k),
        c.train,
      ),
    );
    console.error(`${c.name} fold ${k}: ${fmt(100 * (folds.at(-1)?.accuracy ?? 0), 2)}%`);
  }
  const mean = (pick: (f: (typeof folds)[number]) => number) =>
    folds.reduce((s, f) => s + pick(f), 0) / folds.length;
  const range = (pick: (f: (typeof folds)[number]) => number) =>
    `${fmt(100 * Math.min(...folds.map(pick)), 1)}–${fmt(100 * Math.max(...folds.map(pick)), 1)}`;
  rows.push([
    c.name,
    fmt(100 * onDev.accuracy, 2),
    fmt(100 * onDev.coverage, 1),
    fmt(100 * onDev.precision, 2),
    `${fmt(100 * mean((f) => f.accuracy), 2)} (${range((f) => f.accuracy)})`,
    `${fmt(100 * mean((f) => f.coverage), 1)} (${range((f) => f.coverage)})`,
    fmt(100 * mean((f) => f.precision), 2),
    fmt(onDev.wallS, 2),
    fmt(onDev.cpuS, 2),
  ]);
}
console.log(
  markdownTable(
    [
      "configuration",
      "dev accuracy %",
      "dev: covers % at 97%",
      "its precision %",
      "5-fold accuracy % (range)",
      "5-fold: covers % at 97% (range)",
      "its precision %",
      "train s (wall)",
      "CPU s",
    ],
    rows,
  ),
);
