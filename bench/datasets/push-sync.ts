/*
 * How long `pushDataset` takes on the banking77 training set (10,003 examples) against a studio
 * on this machine, over HTTP with the real SDK: creating the dataset, pushing it again unchanged,
 * and pushing it with 1% of the examples' splits changed.
 * Run: node --conditions=@catena/source --disable-warning=ExperimentalWarning bench/datasets/push-sync.ts
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { datasetContentHash, pushDataset, readDatasetFile } from "@catena/core/datasets";
import { startStudio } from "@catena/studio";
import { Client } from "langsmith";

const dir = await mkdtemp(join(tmpdir(), "catena-bench-datasets-"));
const studio = await startStudio({ port: 0, dbPath: join(dir, "studio.db") });
const client = new Client({ apiUrl: studio.url, apiKey: "bench", timeout_ms: 120_000 });
try {
  const t0 = performance.now();
  const ds = readDatasetFile("packages/chains/data/banking77/train.csv", { outputFields: ["label"] });
  const read = performance.now() - t0;
  const time = async (label: string, data: typeof ds) => {
    const start = performance.now();
    const result = await pushDataset(client, data);
    const ms = performance.now() - start;
    console.log(
      `${label.padEnd(12)} ${String(Math.round(ms)).padStart(6)} ms  ${result.status} +${result.added} ~${result.updated} -${result.removed}`,
    );
  };
  console.log(`read         ${String(Math.round(read)).padStart(6)} ms  ${ds.examples.length} examples`);
  await time("create", ds);
  await time("unchanged", ds);
  const edited = ds.examples.map((e, i) => (i % 100 === 0 ? { ...e, splits: ["hard"] } : e));
  await time("1% changed", { ...ds, examples: edited, contentHash: datasetContentHash(edited) });
} finally {
  client.cleanup();
  await studio.close();
  await rm(dir, { recursive: true, force: true });
}
