// What the hidden-layer kNN vote costs at prediction: the committed banking-intents classifier
// (artifact version 2, with the memory of the training texts' hidden activations) against the
// same classifier without the memory (round 2's prediction path), `predict()` over the dev split in
// interleaved rounds (median CPU µs per text), plus the CPU time of loading the artifact.
//
//   node --conditions=@catena/source bench/ml/neighbour-vote.bench.ts [--rounds=7]
import { NeuralTextClassifier } from "../../packages/core/src/ml/neural-text-classifier.ts";
import { fmt, loadNote, machineNotes, markdownTable, median, numberArg } from "../lib/report.ts";
import { classifierPath, cpuMs, devTexts } from "./banking-classifier-inputs.ts";

const ROUNDS = numberArg("rounds", 7);
const path = classifierPath;
const texts = devTexts;

const loadMs: number[] = [];
let withVote = NeuralTextClassifier.load(path);
for (let r = 0; r < ROUNDS; r++) {
  loadMs.push(
    cpuMs(() => {
      withVote = NeuralTextClassifier.load(path);
    }),
  );
}
const { labels, featuriser, mlp, linear, temperatures, mlpWeight, info } = withVote;
const without = new NeuralTextClassifier({ labels, featuriser, mlp, linear, temperatures, mlpWeight, info });
// The first prediction builds the WebAssembly forward pass (and, with the memory, its transposed copy).
const buildMs = [cpuMs(() => withVote.predict("hello")), cpuMs(() => without.predict("hello"))];

const perText: [number[], number[]] = [[], []];
let changed = 0;
for (let r = 0; r < ROUNDS; r++) {
  for (const [i, model] of [withVote, without].entries()) {
    perText[i]?.push(
      (1000 *
        cpuMs(() => {
          for (const t of texts) model.predict(t);
        })) /
        texts.length,
    );
  }
}
for (const t of texts) if (withVote.predict(t).label !== without.predict(t).label) changed++;

console.log(machineNotes());
console.log(`${loadNote()}; ${texts.length} dev texts, ${ROUNDS} interleaved rounds, median CPU\n`);
console.log(
  markdownTable(
    ["measure (CPU)", "with the kNN vote (v2)", "without (round 2 path)"],
    [
      ["`predict()` per text, µs", fmt(median(perText[0]), 0), fmt(median(perText[1]), 0)],
      [
        "first prediction (builds the wasm forward pass), ms",
        fmt(buildMs[0] ?? 0, 0),
        fmt(buildMs[1] ?? 0, 0),
      ],
      ["`NeuralTextClassifier.load`, ms (median)", fmt(median(loadMs), 0), "—"],
    ],
  ),
);
console.log(`\nlabels changed by the vote: ${changed} of ${texts.length} dev texts`);
