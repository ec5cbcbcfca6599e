// The wall time each item spends on the event loop's critical path, measured directly: from the
// moment a worker resumes after its 1 ms timer (inside the middle step) to the moment the same worker
// arms its next timer (the next item's middle step). Node runs a timer's microtasks before the next
// timer's callback, so nothing else runs in between: this is the work that delays every other
// worker's timer in the same tick. Shown for the plain pool and for before/after runBatch.
//
//   git -C . archive <commit> packages/core/src | tar -x --strip-components=3 -C packages/core/.before-src
//   node --conditions=@catena/source bench/batch/critical-path.ts [--before=packages/core/.before-src] [--rounds=7]
//
// Columns: median (over rounds) of the mean and p50 of the per-item span in µs, items/s and % of the
// plain pool in the same rounds.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fmt, loadNote, markdownTable, median, numberArg } from "../lib/report.ts";
import { pairedCores, threeSteps } from "./paired-cores.ts";

const cores = await pairedCores();
const ITEMS = 10_000;
const CONCURRENCY = 32;
const ROUNDS = numberArg("rounds", 7);

let resumedAt = -1;
let spans: number[] = [];
/** Called as an item arms its timer (`resumed` false) and as it resumes after it (true). */
const mark = (resumed: boolean): void => {
  const now = performance.now();
  if (resumed) resumedAt = now;
  else {
    if (resumedAt >= 0) spans.push(now - resumedAt);
    resumedAt = -1;
  }
};
const tick = (): Promise<void> => new Promise((done) => setTimeout(done, 1));
const middle = async (x: number): Promise<number> => {
  mark(false);
  await tick();
  mark(true);
  return x;
};
const inputs = Array.from({ length: ITEMS }, (_, i) => i);
const scratch = await mkdtemp(join(tmpdir(), "catena-critical-path-"));
let files = 0;

const variants: { name: string; once: () => Promise<void> }[] = [
  {
    name: "plain pool",
    once: async () => {
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < ITEMS) {
          const i = next++;
          if ((await middle((inputs[i] as number) + 1)) * 2 !== (i + 1) * 2) throw new Error("wrong");
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    },
  },
];
for (const [label, core] of cores) {
  const chain = threeSteps(core, middle, [tick, mark]);
  variants.push({
    name: `${label}: pool calling run()`,
    once: async () => {
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < ITEMS) {
          const i = next++;
          const r = await core.run(chain, inputs[i] as number);
          if (r.status !== "done" || r.output !== (i + 1) * 2) throw new Error(`${label}: wrong`);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    },
  });
  variants.push({
    name: `${label}: runBatch + checkpoint + onProgress`,
    once: async () => {
      const summary = await core.runBatch(chain, inputs, {
        concurrency: CONCURRENCY,
        checkpoint: join(scratch, `${files++}.jsonl`),
        onProgress: () => {},
      });
      if (summary.done !== ITEMS) throw new Error(`${label}: ${summary.done} done`);
    },
  });
  variants.push({
    name: `${label}: runBatch, no checkpoint`,
    once: async () => {
      const summary = await core.runBatch(chain, inputs, { concurrency: CONCURRENCY });
      if (summary.done !== ITEMS) throw new Error(`${label}: ${summary.done} done`);
    },
  });
}

try {
  console.log(`${loadNote()} (before)`);
  for (const v of variants) await v.once();
  const stats = new Map<string, { mean: number[]; p50: number[]; ms: number[] }>(
    variants.map((v) => [v.name, { mean: [], p50: [], ms: [] }]),
  );
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < variants.length; i++) {
      const v = variants[(i + r) % variants.length] as (typeof variants)[number];
      spans = [];
      resumedAt = -1;
      const t0 = performance.now();
      await v.once();
      const s = stats.get(v.name);
      s?.ms.push(performance.now() - t0);
      s?.mean.push((1000 * spans.reduce((a, b) => a + b, 0)) / spans.length);
      s?.p50.push(1000 * median(spans));
    }
  }
  const poolMs = median(stats.get("plain pool")?.ms ?? []);
  const rows = variants.map((v) => {
    const s = stats.get(v.name) ?? { mean: [], p50: [], ms: [] };
    const ms = median(s.ms);
    return [
      v.name,
      fmt(median(s.mean), 2),
      fmt(median(s.p50), 2),
      fmt((ITEMS * 1000) / ms, 0),
      `${fmt((100 * poolMs) / ms, 1)}%`,
    ];
  });
  console.log(`${loadNote()} (after)\n`);
  console.log(markdownTable(["variant", "path µs (mean)", "path µs (p50)", "items/s", "% of pool"], rows));
} finally {
  await rm(scratch, { recursive: true, force: true });
}
