// Issue 13, round 4: what a second perceptron trained on a worker thread would cost. Interleaved
// rounds of (a) `trainNeuralClassifier` alone and (b) the same while a worker thread trains a second
// sparse MLP (dropout 0.2, σ 0.05, weights averaged over the second half) on the same TF-IDF rows,
// featurised once more on the main thread and handed over. Wall and process CPU (all threads).
//
//   node --conditions=@catena/source bench/ml/parallel-member.bench.ts [--rounds=3]
import { Worker } from "node:worker_threads";
import { trainNeuralClassifier } from "@catena/core/ml";
import { TfidfFeaturiser } from "../../packages/core/src/ml/tfidf-featuriser.ts";
import { fmt, machineNotes, markdownTable, measure } from "../lib/report.ts";
import { dev, labels, train } from "./fold-protocol.ts";

const rounds = Number(process.argv.find((a) => a.startsWith("--rounds="))?.slice(9) ?? 3);
async function secondMember(): Promise<number> {
  const { featuriser, vectors } = TfidfFeaturiser.fitTransform(
    train.map((e) => e.text),
    { minDf: 2 },
  );
  const starts = new Int32Array(vectors.length + 1);
  vectors.forEach((v, n) => {
    starts[n + 1] = (starts[n] as number) + v.indices.length;
  });
  const total = starts[vectors.length] as number;
  const indices = new Int32Array(total);
  const values = new Float32Array(total);
  vectors.forEach((v, n) => {
    indices.set(v.indices, starts[n] as number);
    values.set(v.values, starts[n] as number);
  });
  const y = Int32Array.from(train, (e) => labels.indexOf(e.label));
  const options = {
    features: featuriser.size,
    classes: labels.length,
    hidden: 256,
    epochs: 5,
    eta0: 0.2,
    initScale: 0.05,
    dropout: 0.2,
    average: { from: 0.5, snapshots: 8 },
    seed: 1,
  };
  const worker = new Worker(new URL("./mlp-member-worker.ts", import.meta.url), {
    workerData: { indices, values, starts, y, options },
    transferList: [indices.buffer, values.buffer],
  });
  return new Promise((resolve, reject) => worker.once("message", resolve).once("error", reject));
}

console.log(machineNotes());
const alone: { wallMs: number; cpuMs: number }[] = [];
const both: { wallMs: number; cpuMs: number }[] = [];
for (let r = 0; r < rounds; r++) {
  alone.push(await measure(() => trainNeuralClassifier(train, { labels, dev })));
  both.push(
    await measure(() => Promise.all([secondMember(), trainNeuralClassifier(train, { labels, dev })])),
  );
  console.error(
    `round ${r}: alone ${fmt(alone.at(-1)?.wallMs ?? 0, 0)} ms, with the worker ${fmt(both.at(-1)?.wallMs ?? 0, 0)} ms`,
  );
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
console.log(
  markdownTable(
    ["training (8,504 texts, dev report included)", "wall s (median)", "CPU s (median, all threads)"],
    [
      [
        "trainNeuralClassifier (default)",
        fmt(median(alone.map((m) => m.wallMs)) / 1000, 2),
        fmt(median(alone.map((m) => m.cpuMs)) / 1000, 2),
      ],
      [
        "+ a second MLP on a worker thread",
        fmt(median(both.map((m) => m.wallMs)) / 1000, 2),
        fmt(median(both.map((m) => m.cpuMs)) / 1000, 2),
      ],
    ],
  ),
);
