// Issue 13, round 5 prototype: for the dev split and each of the 5 folds, caches (1) the shipped
// default's parts on the held-out items (perceptron, linear model, hidden-layer kNN vote, as
// `classifier-members.bench.ts` does) and (2) the same parts out-of-fold on the split's OWN
// training part (5 inner folds, each model trained on the other 4), plus the TF-IDF rows of both.
// Second-stage models (rerankers, per-class confidence offsets) are then fitted on (2) only and
// scored on (1), so nothing learns from the held-out items.
//
//   node --conditions=@catena/source bench/ml/crossfit-cache.bench.ts [--only=dev,fold0,…]
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type LabelledExample, NeuralTextClassifier, trainNeuralClassifier } from "@catena/core/ml";
import { machineNotes } from "../lib/report.ts";
import { foldsOf, labels, splits } from "./fold-protocol.ts";

const K = labels.length;
const outDir = fileURLToPath(new URL("./out/crossfit/", import.meta.url));
const INNER = 5;

/** The three parts of a trained classifier's probability on `items`, each N × K. */
async function parts(trainPart: LabelledExample[], items: LabelledExample[]) {
  const { classifier: c } = await trainNeuralClassifier(trainPart, { labels, dev: items });
  const n = c.neighbours;
  if (!n) throw new Error("no memory");
  const part = (mlpWeight: number, weight?: number) =>
    new NeuralTextClassifier({
      labels: c.labels,
      featuriser: c.featuriser,
      mlp: c.mlp,
      linear: c.linear,
      temperatures: c.temperatures,
      mlpWeight,
      ...(weight === undefined ? {} : { neighbours: { ...n, weight } }),
    });
  const models = [part(1), part(0), part(1, 1)];
  const N = items.length;
  const out = [new Float32Array(N * K), new Float32Array(N * K), new Float32Array(N * K)];
  items.forEach((e, i) => {
    models.forEach((m, j) => {
      out[j]?.set(m.probabilities(e.text), i * K);
    });
  });
  return {
    classifier: c,
    mlp: out[0] as Float32Array,
    linear: out[1] as Float32Array,
    vote: out[2] as Float32Array,
  };
}

function writeRows(path: string, rows: { indices: Int32Array; values: Float32Array }[]) {
  const starts = new Int32Array(rows.length + 1);
  rows.forEach((r, i) => {
    starts[i + 1] = (starts[i] as number) + r.indices.length;
  });
  const idx = new Int32Array(starts[rows.length] as number);
  const val = new Float32Array(starts[rows.length] as number);
  rows.forEach((r, i) => {
    idx.set(r.indices, starts[i]);
    val.set(r.values, starts[i]);
  });
  writeFileSync(`${path}.starts`, starts);
  writeFileSync(`${path}.idx`, idx);
  writeFileSync(`${path}.val`, val);
}

const only = process.argv
  .find((a) => a.startsWith("--only="))
  ?.slice(7)
  .split(",");
console.log(machineNotes());
for (const s of splits()) {
  if (only && !only.includes(s.name)) continue;
  const dir = `${outDir}${s.name}/`;
  mkdirSync(dir, { recursive: true });
  const c0 = process.cpuUsage();
  const outer = await parts(s.trainPart, s.heldOut);
  const outerCpu = process.cpuUsage(c0);
  writeFileSync(
    `${dir}test.y`,
    Int32Array.from(s.heldOut, (e) => labels.indexOf(e.label)),
  );
  for (const key of ["mlp", "linear", "vote"] as const) writeFileSync(`${dir}test.${key}`, outer[key]);
  const f = outer.classifier.featuriser;
  writeRows(
    `${dir}test.x`,
    s.heldOut.map((e) => f.transform(e.text)),
  );
  writeRows(
    `${dir}train.x`,
    s.trainPart.map((e) => f.transform(e.text)),
  );
  writeFileSync(
    `${dir}train.y`,
    Int32Array.from(s.trainPart, (e) => labels.indexOf(e.label)),
  );
  // Out-of-fold parts on the training part itself.
  const fold = foldsOf(s.trainPart, INNER, 17);
  const oof = {
    mlp: new Float32Array(s.trainPart.length * K),
    linear: new Float32Array(s.trainPart.length * K),
    vote: new Float32Array(s.trainPart.length * K),
  };
  const c1 = process.cpuUsage();
  for (let k = 0; k < INNER; k++) {
    const at = s.trainPart.flatMap((_, i) => (fold[i] === k ? [i] : []));
    const p = await parts(
      s.trainPart.filter((_, i) => fold[i] !== k),
      at.map((i) => s.trainPart[i] as LabelledExample),
    );
    at.forEach((i, j) => {
      for (const key of ["mlp", "linear", "vote"] as const)
        oof[key].set(p[key].subarray(j * K, (j + 1) * K), i * K);
    });
    console.error(`${s.name} inner ${k} done`);
  }
  const innerCpu = process.cpuUsage(c1);
  for (const key of ["mlp", "linear", "vote"] as const) writeFileSync(`${dir}train.${key}`, oof[key]);
  writeFileSync(
    `${dir}meta.json`,
    JSON.stringify({
      outerCpuS: (outerCpu.user + outerCpu.system) / 1e6,
      innerCpuS: (innerCpu.user + innerCpu.system) / 1e6,
      features: f.size,
    }),
  );
  console.error(
    `${s.name}: outer ${(outerCpu.user + outerCpu.system) / 1e6} s, inner ${(innerCpu.user + innerCpu.system) / 1e6} s CPU`,
  );
}
