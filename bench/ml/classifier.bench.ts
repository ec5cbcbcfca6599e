// The trained classifier on Banking77: dev accuracy and training time of the default configuration,
// the variants tried, memory footprint, and a first cascade figure (classifier + kNN tiers) at
// 95/97/99% target precision. Data: ../shared/data/banking77/train.csv (CC BY 4.0), split 85/15
// stratified with seed 77 (bench/ml/banking77.ts); everything is tuned and reported on dev only.
//
//   node --conditions=@catena/source bench/ml/classifier.bench.ts [--variants] [--repeats=3]
import { cascade, classify, defineChain, knn, type Step } from "@catena/core";
import {
  calibrate,
  encodeArtifact,
  evaluateLabels,
  type LabelledExample,
  LocalEmbedder,
  type TrainClassifierOptions,
  trainClassifier,
  VectorIndex,
} from "@catena/core/ml";
import { z } from "zod";
import { fmt, machineNotes, markdownTable, median, numberArg } from "../lib/report.ts";
import { banking77, SPLIT_SEED } from "./banking77.ts";

const REPEATS = numberArg("repeats", 3);
const VARIANTS = process.argv.includes("--variants");
const { train, dev, labels } = banking77();

interface Variant {
  name: string;
  options: TrainClassifierOptions;
}

async function measureVariant(v: Variant) {
  const wall: number[] = [];
  const cpu: number[] = [];
  let last: Awaited<ReturnType<typeof trainClassifier>> | undefined;
  for (let round = 0; round < REPEATS; round++) {
    const c0 = process.cpuUsage();
    // The held-out variant fits the temperature on train data; dev is then only reported on.
    if ("calibrationShare" in v.options) {
      const trained = await trainClassifier(train, { labels, calibrationShare: 0.1 });
      const predicted = dev.map((e) => trained.classifier.predict(e.text).label);
      const evaluated = evaluateLabels(
        dev.map((e) => e.label),
        predicted,
      );
      last = { ...trained, report: { ...trained.report, dev: evaluated } };
    } else {
      last = await trainClassifier(train, { labels, dev, ...v.options });
    }
    const c = process.cpuUsage(c0);
    wall.push(last.report.trainingMs);
    cpu.push((c.user + c.system) / 1000);
  }
  const { classifier, report } = last as NonNullable<typeof last>;
  return { classifier, report, wallMs: median(wall), cpuMs: median(cpu) };
}

const headline: Variant[] = [
  { name: "default: 20 epochs, λ 3e-6, min df 2, temperature fitted on dev", options: {} },
  {
    name: "default, temperature on 10% held out of train instead",
    options: { calibrationShare: 0.1 },
  },
];
const variants: Variant[] = [
  { name: "8 epochs, λ = 1e-5, min df 1 (first defaults)", options: { epochs: 8, lambda: 1e-5, minDf: 1 } },
  { name: "8 epochs", options: { epochs: 8 } },
  { name: "12 epochs", options: { epochs: 12 } },
  { name: "30 epochs", options: { epochs: 30 } },
  { name: "λ = 1e-6", options: { lambda: 1e-6 } },
  { name: "λ = 1e-5", options: { lambda: 1e-5 } },
  { name: "η0 = 1", options: { eta0: 1 } },
  { name: "class weights balanced", options: { classWeights: "balanced" } },
  { name: "word share 0.35", options: { wordShare: 0.35 } },
  { name: "word share 0.65", options: { wordShare: 0.65 } },
  { name: "min df 1", options: { minDf: 1 } },
  { name: "words 1–3", options: { ngrams: { words: [1, 3] } } },
  { name: "chars 1–5", options: { ngrams: { chars: [1, 5] } } },
  { name: "chars 2–6", options: { ngrams: { chars: [2, 6] } } },
  { name: "words only (1–2)", options: { ngrams: { chars: null } } },
  { name: "chars only (2–5)", options: { ngrams: { words: null } } },
];

console.log(
  `\n### Classifier on Banking77 dev (${train.length} train / ${dev.length} dev, seed ${SPLIT_SEED})\n`,
);
console.log(machineNotes());
console.log(`training time: median of ${REPEATS} runs (wall; CPU = user + system of the process)\n`);
const rows: string[][] = [];
let best: Awaited<ReturnType<typeof measureVariant>> | undefined;
for (const v of [...headline, ...(VARIANTS ? variants : [])]) {
  const m = await measureVariant(v);
  if (Object.keys(v.options).length === 0) best = m;
  rows.push([
    v.name,
    fmt(100 * (m.report.dev?.accuracy ?? 0), 2),
    fmt(100 * (m.report.dev?.macroF1 ?? 0), 2),
    fmt(m.wallMs / 1000, 2),
    fmt(m.cpuMs / 1000, 2),
    m.report.features.toLocaleString("en-US"),
    fmt(m.report.temperature, 3),
  ]);
  console.error(`${v.name}: ${fmt(100 * (m.report.dev?.accuracy ?? 0), 2)}% in ${fmt(m.wallMs / 1000, 2)} s`);
}
console.log(
  markdownTable(
    ["configuration", "dev accuracy %", "macro-F1 %", "train s (wall)", "CPU s", "features", "temperature"],
    rows,
  ),
);

const { classifier, report } = best as NonNullable<typeof best>;
const artifactBytes = encodeArtifact(classifier.toArtifact()).bytes.length;
console.log(
  `\nmemory: classifier ${fmt(classifier.memoryBytes / 2 ** 20, 1)} MiB in memory (weights ${report.features.toLocaleString("en-US")} × ${labels.length} float32), artifact ${fmt(artifactBytes / 2 ** 20, 1)} MiB`,
);
console.log("\nworst 10 classes by F1 on dev:\n");
console.log(
  markdownTable(
    ["label", "F1", "precision", "recall", "support"],
    (report.dev?.perClass ?? [])
      .slice(0, 10)
      .map((c) => [c.label, fmt(c.f1, 3), fmt(c.precision, 3), fmt(c.recall, 3), String(c.support)]),
  ),
);

// kNN on the built-in embedder, and the classifier + kNN ensemble (average of probabilities).
const embedder = LocalEmbedder.fit(train.map((e) => e.text));
const index = new VectorIndex({ dimension: embedder.dimension });
index.add(train.map((e, i) => ({ id: String(i), vector: embedder.embed(e.text), label: e.label })));
const neighbours = index.searchBatch(
  dev.map((e) => embedder.embed(e.text)),
  10,
);
const knnProbabilities = neighbours.map((hits) => {
  const p = new Map<string, number>();
  let total = 0;
  for (const h of hits) {
    const w = Math.max(0, h.score);
    p.set(h.label as string, (p.get(h.label as string) ?? 0) + w);
    total += w;
  }
  return new Map([...p].map(([l, w]) => [l, total > 0 ? w / total : 0]));
});
const argmax = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1])[0]?.[0];
const knnAccuracy =
  dev.filter((e, i) => argmax(knnProbabilities[i] as Map<string, number>) === e.label).length / dev.length;
const clfProbabilities = dev.map((e) => classifier.probabilities(e.text));
const ensembleRows = [1, 0.8, 0.6, 0.5].map((alpha) => {
  const right = dev.filter((e, i) => {
    const mixed = new Map<string, number>();
    for (const [k, l] of labels.entries()) {
      const fromClassifier = (clfProbabilities[i] as Float64Array)[k] as number;
      const fromKnn = (knnProbabilities[i] as Map<string, number>).get(l) ?? 0;
      mixed.set(l, alpha * fromClassifier + (1 - alpha) * fromKnn);
    }
    return argmax(mixed) === e.label;
  }).length;
  return [`${fmt(alpha, 1)} × classifier + ${fmt(1 - alpha, 1)} × kNN`, fmt((100 * right) / dev.length, 2)];
});
console.log(
  `\nkNN alone (LocalEmbedder 384-d, k = 10, weighted vote): ${fmt(100 * knnAccuracy, 2)}% dev accuracy\n`,
);
console.log(markdownTable(["ensemble (probability average)", "dev accuracy %"], ensembleRows));

// First cascade figure: classifier then kNN, thresholds calibrated on dev and measured on dev.
const llm: Step<unknown, { label: string | null; confidence: number }> = {
  type: "step",
  name: "llm",
  kind: "llm",
  spec: { model: "none" },
  run: () => ({ label: null, confidence: 0 }),
};
const chain = defineChain({
  name: "banking-cheap-tiers",
  version: "0.0.0",
  input: z.object({ text: z.string() }),
  output: z.unknown(),
  flow: cascade("intent", [
    classify("linear", { model: classifier }),
    knn("neighbours", { index, embedder, k: 10 }),
    llm,
  ]),
});
const devItems = dev.map((e: LabelledExample) => ({ input: { text: e.text }, label: e.label }));
const cascadeRows: string[][] = [];
for (const target of [0.95, 0.97, 0.99]) {
  const r = await calibrate(chain, devItems, { targetPrecision: target, llmCostPerItemUsd: 0.0004 });
  const [linear, neighbour] = r.tiers;
  cascadeRows.push([
    `${fmt(100 * target, 0)}%`,
    [linear, neighbour].map((t) => (t?.threshold == null ? "never" : fmt(t.threshold, 3))).join(" / "),
    fmt(100 * (linear?.coverage ?? 0), 1),
    fmt(100 * (neighbour?.coverage ?? 0), 1),
    fmt(100 * r.accepted.coverage, 1),
    fmt(100 * (r.accepted.precision ?? 0), 2),
    fmt(100 * r.rest.share, 1),
  ]);
}
console.log(
  "\ncheap-tier cascade on dev (thresholds calibrated on dev itself: optimistic, a first figure):\n",
);
console.log(
  markdownTable(
    [
      "target precision",
      "thresholds (linear / kNN)",
      "classifier covers %",
      "kNN covers %",
      "cheap tiers cover %",
      "their precision %",
      "left to LLM %",
    ],
    cascadeRows,
  ),
);
