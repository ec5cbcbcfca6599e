// Worker of bench/ml/parallel-member.bench.ts: trains one sparse MLP on the packed TF-IDF rows it is
// handed and posts back its hidden width.
import { parentPort, workerData } from "node:worker_threads";
import { type SparseMlpOptions, trainSparseMlp } from "../../packages/core/src/ml/sparse-mlp.ts";
import type { SparseVector } from "../../packages/core/src/ml/sparse-vector.ts";

const { indices, values, starts, y, options } = workerData as {
  indices: Int32Array;
  values: Float32Array;
  starts: Int32Array;
  y: Int32Array;
  options: SparseMlpOptions;
};
const x: SparseVector[] = [];
for (let n = 0; n + 1 < starts.length; n++) {
  const from = starts[n] as number;
  const to = starts[n + 1] as number;
  x.push({ indices: indices.subarray(from, to), values: values.subarray(from, to) });
}
const model = await trainSparseMlp(x, y, options);
parentPort?.postMessage(model.hidden);
