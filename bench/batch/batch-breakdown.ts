// Where a batch item's CPU time goes: the batch benchmark's 3-step chain (x + 1, 1 ms timer, x * 2)
// at concurrency 32, run by successively more of Catena, with process CPU time per item for each.
//
//   node --conditions=@catena/source bench/batch/batch-breakdown.ts [--items=10000] [--rounds=5] [--only=...]
//
// Rows: the plain pool; the pool calling Catena run() per item; runBatch without collecting results
// (collect: false); runBatch (collects results, the default without a checkpoint); runBatch with a
// checkpoint and onProgress. The difference between rows is the cost of what the row adds.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BatchOptions, code, defineChain, run, runBatch, sequence } from "@catena/core";
import { z } from "zod";
import {
  fmt,
  loadNote,
  machineNotes,
  markdownTable,
  measure,
  median,
  numberArg,
  selected,
} from "../lib/report.ts";

const ITEMS = numberArg("items", 10_000);
const ROUNDS = numberArg("rounds", 5);
const CONCURRENCY = 32;

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));
const first = (x: number): number => x + 1;
const middle = async (x: number): Promise<number> => {
  await tick();
  return x;
};
const last = (x: number): number => x * 2;
const chain = defineChain({
  name: "three-steps",
  version: "1.0.0",
  input: z.number(),
  output: z.number(),
  flow: sequence(code("first", first), code("middle", middle), code("last", last)),
});
const inputs = Array.from({ length: ITEMS }, (_, i) => i);

async function pool(item: (x: number) => Promise<number>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < inputs.length) {
      const i = next++;
      const out = await item(inputs[i] as number);
      if (out !== (i + 1) * 2) throw new Error(`item ${i}: got ${out}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

const batch = async (options: BatchOptions): Promise<void> => {
  const summary = await runBatch(chain, inputs, { concurrency: CONCURRENCY, ...options });
  if (summary.done !== ITEMS) throw new Error(`runBatch: ${summary.done} of ${ITEMS} done`);
};

let round = 0;
const variants: { name: string; once: () => Promise<void> }[] = selected([
  { name: "plain pool, 3 plain functions", once: () => pool(async (x) => last(await middle(first(x)))) },
  {
    name: "plain pool, Catena run() per item",
    once: () =>
      pool(async (x) => {
        const r = await run(chain, x);
        if (r.status !== "done") throw new Error(r.status);
        return r.output;
      }),
  },
  { name: "runBatch, collect: false", once: () => batch({ collect: false }) },
  { name: "runBatch (collects results)", once: () => batch({}) },
  {
    name: "runBatch + checkpoint + onProgress",
    once: () => batch({ checkpoint: join(scratch, `${round++}.jsonl`), onProgress: () => {} }),
  },
]);

// Created last, so that an error in the set-up above leaves no directory behind.
const scratch = await mkdtemp(join(tmpdir(), "catena-batch-breakdown-"));
try {
  console.log(
    `# Batch CPU breakdown: ${ITEMS} items, concurrency ${CONCURRENCY}, ${ROUNDS} rounds (median)\n`,
  );
  console.log(machineNotes());
  for (const v of variants) await v.once();
  const wall = new Map<string, number[]>();
  const cpu = new Map<string, number[]>();
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < variants.length; i++) {
      const v = variants[(i + r) % variants.length] as (typeof variants)[number];
      const t = await measure(v.once);
      wall.set(v.name, [...(wall.get(v.name) ?? []), t.wallMs]);
      cpu.set(v.name, [...(cpu.get(v.name) ?? []), t.cpuMs]);
    }
  }
  let previous: number | undefined;
  const rows = variants.map((v) => {
    const cpuUs = (median(cpu.get(v.name) ?? []) * 1000) / ITEMS;
    const added = previous === undefined ? "" : `${cpuUs >= previous ? "+" : ""}${fmt(cpuUs - previous, 1)}`;
    previous = cpuUs;
    return [v.name, fmt((ITEMS * 1000) / median(wall.get(v.name) ?? []), 0), fmt(cpuUs, 1), added];
  });
  console.log(`\n${loadNote()} (after)\n`);
  console.log(markdownTable(["variant", "items/s", "CPU µs/item", "added vs row above"], rows));
} finally {
  await rm(scratch, { recursive: true, force: true });
}
