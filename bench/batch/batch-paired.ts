// Before/after of the batch path in ONE process, for a loaded machine: a copy of an older
// packages/core/src (the "before") is imported beside the current one, and both run the batch
// benchmark's chain in interleaved rounds; CPU µs per item is the figure to compare.
//
//   git -C . archive <commit> packages/core/src | tar -x --strip-components=3 -C packages/core/.before-src
//   node --conditions=@catena/source bench/batch/batch-paired.ts [--before=packages/core/.before-src] \
//     [--rounds=11] [--timer=1] [--progress-us=0]
//
// Rows: the plain pool; for before and after, runBatch with a checkpoint and onProgress, and a pool
// of 32 calling run() per item. --timer=0 drops the 1 ms timer of the middle step (a pure CPU
// measure, less noisy). --progress-us=N makes onProgress busy-wait N µs per call: how much of a
// slow callback lands on the items' critical path. The copy must sit inside the repository so that
// its imports resolve.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fmt, loadNote, markdownTable, median, numberArg, stringArg } from "../lib/report.ts";
import { pairedCores, threeSteps } from "./paired-cores.ts";

const cores = await pairedCores();

const ITEMS = 10_000;
const CONCURRENCY = 32;
const ROUNDS = numberArg("rounds", 11);
const TIMER_MS = stringArg("timer") === "0" ? 0 : numberArg("timer", 1);
const PROGRESS_US = numberArg("progress-us", 0);
const tick = (): Promise<void> => new Promise((done) => setTimeout(done, TIMER_MS));
const onProgress = (): void => {
  if (PROGRESS_US === 0) return;
  const until = performance.now() + PROGRESS_US / 1000;
  while (performance.now() < until) {}
};
const first = (x: number): number => x + 1;
const middle = async (x: number): Promise<number> => {
  if (TIMER_MS > 0) await tick();
  return x;
};
const last = (x: number): number => x * 2;
const inputs = Array.from({ length: ITEMS }, (_, i) => i);

async function pool(item: (x: number) => Promise<number>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ITEMS) {
      const i = next++;
      if ((await item(inputs[i] as number)) !== (i + 1) * 2) throw new Error(`item ${i}: wrong output`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

const scratch = await mkdtemp(join(tmpdir(), "catena-batch-paired-"));
let files = 0;
const variants: { name: string; once: () => Promise<void> }[] = [
  { name: "plain pool", once: () => pool(async (x) => last(await middle(first(x)))) },
];
for (const [label, core] of cores) {
  const chain = threeSteps(core, middle, [tick]);
  variants.push(
    {
      name: `${label}: runBatch + checkpoint + onProgress`,
      once: async () => {
        const path = join(scratch, `${files++}.jsonl`);
        const summary = await core.runBatch(chain, inputs, {
          concurrency: CONCURRENCY,
          checkpoint: path,
          onProgress,
        });
        if (summary.done !== ITEMS) throw new Error(`${label}: ${summary.done} of ${ITEMS} done`);
      },
    },
    {
      name: `${label}: pool calling run()`,
      once: () =>
        pool(async (x) => {
          const r = await core.run(chain, x);
          if (r.status !== "done") throw new Error(r.status);
          return r.output;
        }),
    },
  );
}

try {
  console.log(`${loadNote()} (before)`);
  for (const v of variants) await v.once();
  const wall = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  const cpu = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < variants.length; i++) {
      const v = variants[(i + r) % variants.length] as (typeof variants)[number];
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await v.once();
      const c = process.cpuUsage(c0);
      wall.get(v.name)?.push(performance.now() - t0);
      cpu.get(v.name)?.push((c.user + c.system) / 1000);
    }
  }
  const poolMs = median(wall.get("plain pool") ?? []);
  const rows = variants.map((v) => {
    const ms = median(wall.get(v.name) ?? []);
    return [
      v.name,
      fmt((ITEMS * 1000) / ms, 0),
      `${fmt((100 * poolMs) / ms, 1)}%`,
      fmt((median(cpu.get(v.name) ?? []) * 1000) / ITEMS, 2),
    ];
  });
  console.log(`${loadNote()} (after)\n`);
  console.log(markdownTable(["variant", "items/s", "% of pool", "CPU µs/item"], rows));
} finally {
  await rm(scratch, { recursive: true, force: true });
}
