// Bytes allocated per item, before and after, with V8's sampling heap profiler (objects collected
// by the GC included): a figure that does not move with the machine's load, unlike time.
//
//   git -C . archive <commit> packages/core/src | tar -x --strip-components=3 -C packages/core/.before-src
//   node --conditions=@catena/source bench/batch/run-allocations.ts [--before=packages/core/.before-src] [--items=50000]
//
// Rows, for before and after: a pool of 32 calling run() per item, and runBatch with a checkpoint and
// onProgress; the chain is the batch benchmark's, its middle step `async` without a timer.
import { mkdtemp, rm } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fmt, loadNote, markdownTable, numberArg } from "../lib/report.ts";
import { pairedCores, threeSteps } from "./paired-cores.ts";

const cores = await pairedCores();

const ITEMS = numberArg("items", 50_000);
const inputs = Array.from({ length: ITEMS }, (_, i) => i);
const scratch = await mkdtemp(join(tmpdir(), "catena-run-allocations-"));
let files = 0;

interface ProfileNode {
  selfSize: number;
  children: ProfileNode[];
}
const totalOf = (node: ProfileNode): number =>
  node.children.reduce((sum, child) => sum + totalOf(child), node.selfSize);

/** Bytes allocated while `once` runs (after a warm-up run), sampled every 128 bytes. */
async function bytesOf(once: () => Promise<void>): Promise<number> {
  await once();
  const session = new Session();
  session.connect();
  await session.post("HeapProfiler.startSampling", {
    samplingInterval: 128,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  await once();
  const { profile } = await session.post("HeapProfiler.stopSampling");
  session.disconnect();
  return totalOf(profile.head as ProfileNode);
}

const rows: string[][] = [];
try {
  console.log(loadNote());
  for (const [label, core] of cores) {
    const chain = threeSteps(core, async (x: number) => x);
    const pool = async (): Promise<void> => {
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < ITEMS) await core.run(chain, next++);
      };
      await Promise.all(Array.from({ length: 32 }, worker));
    };
    const batch = async (): Promise<void> => {
      const summary = await core.runBatch(chain, inputs, {
        concurrency: 32,
        checkpoint: join(scratch, `${files++}.jsonl`),
        onProgress: () => {},
      });
      if (summary.done !== ITEMS) throw new Error(`${label}: ${summary.done} of ${ITEMS} done`);
    };
    rows.push([`${label}: pool calling run()`, fmt((await bytesOf(pool)) / ITEMS, 0)]);
    rows.push([`${label}: runBatch + checkpoint + onProgress`, fmt((await bytesOf(batch)) / ITEMS, 0)]);
  }
  console.log(`\n${markdownTable(["variant", "bytes allocated per item"], rows)}`);
} finally {
  await rm(scratch, { recursive: true, force: true });
}
