// What the hidden-layer kNN vote costs at prediction: the committed banking-intents classifier
// (artifact version 2, with the memory of the training texts' hidden activations) with its
// nearest texts found by the int8 first pass + exact re-scoring (the default), by the full f32 pass
// over the transposed memory (round 3's first path), and the same classifier without the memory
// (round 2's path): `predict()` over the dev split in interleaved rounds (median CPU µs per text),
// the first prediction (which builds the forward pass and the memory's copy), the CPU time of
// loading the artifact, and whether the two searches agree (neighbours, argmax, probabilities).
//
//   node --conditions=@catena/source bench/ml/neighbour-vote.bench.ts [--rounds=7]
import { NeuralForward } from "../../packages/core/src/ml/neural-forward.ts";
import { NeuralTextClassifier } from "../../packages/core/src/ml/neural-text-classifier.ts";
import { QuantisedMemory } from "../../packages/core/src/ml/quantised-memory.ts";
import { fmt, loadNote, machineNotes, markdownTable, median, numberArg } from "../lib/report.ts";
import { classifierPath, cpuMs, devTexts } from "./banking-classifier-inputs.ts";

const ROUNDS = numberArg("rounds", 7);
const path = classifierPath;
const texts = devTexts;

const loadMs: number[] = [];
let fast = NeuralTextClassifier.load(path);
for (let r = 0; r < ROUNDS; r++) {
  loadMs.push(
    cpuMs(() => {
      fast = NeuralTextClassifier.load(path);
    }),
  );
}
const { labels, featuriser, mlp, linear, temperatures, mlpWeight, neighbours, info } = fast;
const exact = new NeuralTextClassifier({
  labels,
  featuriser,
  mlp,
  linear,
  temperatures,
  mlpWeight,
  neighbours,
  neighbourSearch: "f32",
  info,
});
const without = new NeuralTextClassifier({ labels, featuriser, mlp, linear, temperatures, mlpWeight, info });
const models = [fast, exact, without];
// The first prediction builds the WebAssembly forward pass (and the memory's int8 or transposed copy).
const buildMs = models.map((m) => cpuMs(() => m.predict("hello")));

const perText: number[][] = models.map(() => []);
for (let r = 0; r < ROUNDS; r++) {
  for (const [i, model] of models.entries()) {
    perText[i]?.push(
      (1000 *
        cpuMs(() => {
          for (const t of texts) model.predict(t);
        })) /
        texts.length,
    );
  }
}

// Agreement of the two searches: the k nearest rows and their similarities, argmax, probabilities.
if (!neighbours) throw new Error(`${path} has no hidden-layer memory (version 1): rebuild the artifacts`);
const forwards = [
  new NeuralForward(mlp, linear, neighbours, "int8"),
  new NeuralForward(mlp, linear, neighbours, "f32"),
];
const probe = new QuantisedMemory(neighbours.vectors, neighbours.labels, mlp.hidden);
const rescored: number[] = [];
let sameRows = 0;
let sameArgmax = 0;
let identical = 0;
let changed = 0;
let maxDiff = 0;
const argmax = (p: Float64Array): number => p.reduce((b, v, i) => (v > (p[b] as number) ? i : b), 0);
for (const t of texts) {
  const x = featuriser.transform(t);
  const [a, b] = forwards.map((f) => f.neighboursOf(x, neighbours.k));
  if (a && b && a.rows.every((r, j) => r === b.rows[j] && a.similarities[j] === b.similarities[j]))
    sameRows++;
  const pa = fast.probabilities(t);
  const pb = exact.probabilities(t);
  if (argmax(pa) === argmax(pb)) sameArgmax++;
  if (pa.every((v, i) => v === pb[i])) identical++;
  for (let i = 0; i < pa.length; i++)
    maxDiff = Math.max(maxDiff, Math.abs((pa[i] as number) - (pb[i] as number)));
  if (argmax(pa) !== argmax(without.probabilities(t))) changed++;
  const h = fast.hidden(t);
  const units = Int32Array.from(h.keys()).filter((u) => (h[u] as number) > 0);
  const values = Float32Array.from(units, (u) => h[u] as number);
  const norm = Math.hypot(...values);
  if (norm === 0) continue;
  probe.nearest(
    units,
    values,
    units.length,
    1 / norm,
    new Int32Array(neighbours.k),
    new Float64Array(neighbours.k),
  );
  rescored.push(probe.rescored);
}
rescored.sort((p, q) => p - q);

console.log(machineNotes());
console.log(`${loadNote()}; ${texts.length} dev texts, ${ROUNDS} interleaved rounds, median CPU\n`);
console.log(
  markdownTable(
    [
      "measure (CPU)",
      "kNN vote, int8 + exact re-scoring (now)",
      "kNN vote, full f32 pass (before)",
      "no vote (round 2)",
    ],
    [
      ["`predict()` per text, µs", ...perText.map((p) => fmt(median(p), 0))],
      ["first prediction (builds the forward pass + memory copy), ms", ...buildMs.map((m) => fmt(m, 0))],
      ["`NeuralTextClassifier.load`, ms (median)", fmt(median(loadMs), 0), "(same file)", "—"],
    ],
  ),
);
console.log(
  `\nint8 vs f32 search over ${texts.length} dev texts: same ${neighbours.k} nearest rows and similarities ${sameRows}, ` +
    `same argmax ${sameArgmax}, probabilities identical bit for bit ${identical}, max |Δ probability| ${maxDiff}`,
);
console.log(
  `rows re-scored exactly per query (of ${neighbours.labels.length}): median ${median(rescored)}, ` +
    `p99 ${rescored[Math.floor(rescored.length * 0.99)]}, max ${rescored[rescored.length - 1]}`,
);
console.log(`labels changed by the vote: ${changed} of ${texts.length} dev texts`);
