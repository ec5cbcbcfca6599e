// The neural classifier's forward pass on the committed banking-intents artifact: the plain-JS
// loops (mlpLogitsInto + logitsInto, f64) against NeuralForward (WebAssembly SIMD kernels, f32),
// paired in one run (interleaved rounds, median CPU µs per text), plus load time and agreement
// (argmax, max |Δp|) over the dev split.
//
//   node --conditions=@catena/source bench/ml/neural-forward.bench.ts [--rounds=7]
import { readFileSync } from "node:fs";
import { decodeArtifact } from "../../packages/core/src/ml/artifact-file.ts";
import { NeuralForward } from "../../packages/core/src/ml/neural-forward.ts";
import {
  NEURAL_CLASSIFIER_KIND,
  NeuralTextClassifier,
} from "../../packages/core/src/ml/neural-text-classifier.ts";
import { rankLabels } from "../../packages/core/src/ml/ranked-labels.ts";
import { logitsInto, softmaxInPlace } from "../../packages/core/src/ml/softmax-regression.ts";
import { mlpLogitsInto } from "../../packages/core/src/ml/sparse-mlp.ts";
import { fmt, loadNote, machineNotes, markdownTable, median, numberArg } from "../lib/report.ts";
import { classifierPath, cpuMs, devTexts } from "./banking-classifier-inputs.ts";

const ROUNDS = numberArg("rounds", 7);
const path = classifierPath;
const texts = devTexts;

// Load paired: sections copied out of the file buffer (before) against views of it (now).
const loadCopyMs: number[] = [];
const loadMs: number[] = [];
let model = NeuralTextClassifier.load(path);
for (let r = 0; r < ROUNDS; r++) {
  loadCopyMs.push(
    cpuMs(() =>
      NeuralTextClassifier.fromArtifact(
        decodeArtifact(readFileSync(path), { kind: NEURAL_CLASSIFIER_KIND, versions: [1, 2], source: path }),
      ),
    ),
  );
  loadMs.push(
    cpuMs(() => {
      model = NeuralTextClassifier.load(path);
    }),
  );
}
let forward = new NeuralForward(model.mlp, model.linear);
const forwardBuildMs = median(
  Array.from({ length: ROUNDS }, () =>
    cpuMs(() => {
      forward = new NeuralForward(model.mlp, model.linear);
    }),
  ),
);
const K = model.labels.length;
const rows = texts.map((t) => model.featuriser.transform(t));
const a = new Float64Array(K);
const b = new Float64Array(K);
const hidden = new Float64Array(model.mlp.hidden);

function probabilities(p: Float64Array, q: Float64Array): void {
  softmaxInPlace(p, K, model.temperatures.mlp);
  softmaxInPlace(q, K, model.temperatures.linear);
  const w = model.mlpWeight;
  for (let k = 0; k < K; k++) p[k] = w * (p[k] as number) + (1 - w) * (q[k] as number);
}
function argmax(p: Float64Array): number {
  let best = 0;
  for (let k = 1; k < K; k++) if ((p[k] as number) > (p[best] as number)) best = k;
  return best;
}

// Agreement over every dev text.
let same = 0;
let maxDiff = 0;
const pa = new Float64Array(K);
const pb = new Float64Array(K);
for (const x of rows) {
  mlpLogitsInto(model.mlp, x, pa, hidden);
  logitsInto(model.linear, x, a);
  probabilities(pa, a);
  forward.logitsInto(x, pb, b);
  probabilities(pb, b);
  if (argmax(pa) === argmax(pb)) same++;
  for (let k = 0; k < K; k++) maxDiff = Math.max(maxDiff, Math.abs((pa[k] as number) - (pb[k] as number)));
}

const cpuUs = (fn: () => void): number => (cpuMs(fn) * 1000) / rows.length;
const js: number[] = [];
const simd: number[] = [];
const fullJs: number[] = [];
const full: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  js.push(
    cpuUs(() => {
      for (const x of rows) {
        mlpLogitsInto(model.mlp, x, a, hidden);
        logitsInto(model.linear, x, b);
      }
    }),
  );
  simd.push(
    cpuUs(() => {
      for (const x of rows) forward.logitsInto(x, a, b);
    }),
  );
  fullJs.push(
    cpuUs(() => {
      // predict() as it was: the plain-JS loops, a fresh probability array per call.
      for (const t of texts) {
        const x = model.featuriser.transform(t);
        const p = new Float64Array(K);
        mlpLogitsInto(model.mlp, x, p, hidden);
        logitsInto(model.linear, x, b);
        probabilities(p, b);
        rankLabels(p, model.labels, 5);
      }
    }),
  );
  full.push(
    cpuUs(() => {
      for (const t of texts) model.predict(t);
    }),
  );
}

console.log(machineNotes());
console.log(
  `${loadNote()}; ${rows.length} dev texts, ${ROUNDS} interleaved rounds, median CPU µs per text\n`,
);
console.log(
  markdownTable(
    ["measure", "value"],
    [
      ["forward pass, plain JS (f64)", `${fmt(median(js), 1)} µs`],
      ["forward pass, WebAssembly SIMD (f32)", `${fmt(median(simd), 1)} µs`],
      ["whole predict(), plain JS (before)", `${fmt(median(fullJs), 1)} µs`],
      ["whole predict() now (featurise + forward + softmax + ranking)", `${fmt(median(full), 1)} µs`],
      ["load, sections copied (before; median CPU)", `${fmt(median(loadCopyMs), 1)} ms`],
      ["load, sections as views of the file buffer (now; median CPU)", `${fmt(median(loadMs), 1)} ms`],
      [
        "NeuralForward construction on first predict (copy into wasm memory; median CPU)",
        `${fmt(forwardBuildMs, 1)} ms`,
      ],
      ["same argmax", `${same}/${rows.length}`],
      ["max |Δ probability|", maxDiff.toExponential(2)],
    ],
  ),
);
