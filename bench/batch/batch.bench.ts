// Batch throughput: ITEMS items through a 3-step chain (x + 1, then a 1 ms timer, then x * 2) at
// concurrency 32, under each implementation; items/s and % of a plain promise pool.
//
//   node --conditions=@catena/source bench/batch/batch.bench.ts \
//     [--items=10000] [--rounds=5] [--concurrency=32] [--only=pool,catena]
//
// --only keeps the implementations whose name contains one of the substrings (for profiling one).
// Every implementation is warmed up once, then timed in `rounds` rounds; each round runs every
// implementation once, in an order rotated from round to round, and the table shows the median round.
// CPU time is measured alongside wall time, since it is what limits a 1 ms-timer batch here.
// Each implementation's outputs are checked after its timing stops (for the checkpoint row, reading
// the JSONL file back costs more than its batch's bookkeeping): the rows time the batches only.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BatchProgress, code, defineChain, runBatch, sequence } from "@catena/core";
import { z } from "zod";
import {
  fmt,
  langchainTracingOff,
  loadNote,
  machineNotes,
  markdownTable,
  measure,
  median,
  numberArg,
  selected,
} from "../lib/report.ts";

const removedEnv = langchainTracingOff();
const { RunnableLambda, RunnableSequence } = await import("@langchain/core/runnables");

const ITEMS = numberArg("items", 10_000);
const ROUNDS = numberArg("rounds", 5);
const CONCURRENCY = numberArg("concurrency", 32);
const TIMER_MS = 1;

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, TIMER_MS));
const first = (x: number): number => x + 1;
const middle = async (x: number): Promise<number> => {
  await tick();
  return x;
};
const last = (x: number): number => x * 2;
const expected = (x: number): number => (x + 1) * 2;

const inputs = Array.from({ length: ITEMS }, (_, i) => i);

interface Impl {
  name: string;
  /** Processes all inputs (timed); returns how to count the correct outputs (not timed). */
  batch: (round: string) => Promise<() => Promise<number> | number>;
}

// (a) Plain promise pool: CONCURRENCY workers pulling the next index.
const pool: Impl = {
  name: `plain promise pool (${CONCURRENCY} workers)`,
  async batch() {
    const out = new Array<number>(inputs.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < inputs.length) {
        const i = next++;
        out[i] = last(await middle(first(inputs[i] as number)));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return () => out.filter((v, i) => v === expected(i)).length;
  },
};

// (b) LCEL: a 3-lambda RunnableSequence, .batch with maxConcurrency.
const lcelChain = RunnableSequence.from([
  RunnableLambda.from(first),
  RunnableLambda.from(middle),
  RunnableLambda.from(last),
]);
const lcel: Impl = {
  name: `LangChain LCEL .batch (maxConcurrency ${CONCURRENCY})`,
  async batch() {
    const out = (await lcelChain.batch(inputs, { maxConcurrency: CONCURRENCY })) as number[];
    return () => out.filter((v, i) => v === expected(i)).length;
  },
};

// (c, d) Catena runBatch, with a JSONL checkpoint and onProgress, and without either.
const chain = defineChain({
  name: "three-steps",
  version: "1.0.0",
  input: z.number(),
  output: z.number(),
  flow: sequence(code("first", first), code("middle", middle), code("last", last)),
});
const catenaCheckpoint: Impl = {
  name: "Catena runBatch + checkpoint + onProgress",
  async batch(round) {
    const path = join(scratch, `${round}.jsonl`);
    let progressCalls = 0;
    let lastProgress: BatchProgress | undefined;
    const summary = await runBatch(chain, inputs, {
      concurrency: CONCURRENCY,
      checkpoint: path,
      onProgress: (p) => {
        progressCalls++;
        lastProgress = p;
      },
    });
    return async () => {
      if (progressCalls !== ITEMS || lastProgress?.done !== ITEMS) {
        throw new Error(`onProgress: ${progressCalls} calls, last done=${String(lastProgress?.done)}`);
      }
      // The first line is the checkpoint's header (chain, fingerprint, input identity), not an item.
      const lines = (await readFile(path, "utf8")).trimEnd().split("\n").slice(1);
      await rm(path);
      if (lines.length !== ITEMS) throw new Error(`checkpoint has ${lines.length} lines, expected ${ITEMS}`);
      let correct = 0;
      for (const line of lines) {
        const r = JSON.parse(line) as { index: number; status: string; output?: number };
        if (r.status === "done" && r.output === expected(r.index)) correct++;
      }
      return summary.done === ITEMS ? correct : 0;
    };
  },
};
const catenaPlain: Impl = {
  name: "Catena runBatch, no checkpoint",
  async batch() {
    const summary = await runBatch(chain, inputs, { concurrency: CONCURRENCY });
    return () =>
      (summary.results ?? []).filter((r) => r.status === "done" && r.output === expected(r.index)).length;
  },
};

const impls: Impl[] = selected([pool, lcel, catenaCheckpoint, catenaPlain]);

/** Mean latency of an awaited setTimeout(1), alone and with CONCURRENCY timers in flight. */
async function timerLatency(): Promise<{ alone: number; loaded: number }> {
  const samples = 500;
  let t0 = performance.now();
  for (let i = 0; i < samples; i++) await tick();
  const alone = (performance.now() - t0) / samples;
  t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = 0; i < samples; i++) await tick();
    }),
  );
  const loaded = (performance.now() - t0) / samples;
  return { alone, loaded };
}

// Created last, so that an error in the set-up above leaves no directory behind.
const scratch = await mkdtemp(join(tmpdir(), "catena-batch-bench-"));
try {
  console.log(
    `# Batch throughput: ${ITEMS} items, 3 steps (middle awaits a ${TIMER_MS} ms timer), concurrency ${CONCURRENCY}\n`,
  );
  console.log(machineNotes());
  if (removedEnv.length > 0) console.log(`removed from the environment: ${removedEnv.join(", ")}`);
  console.log();

  const latency = await timerLatency();
  console.log(
    `setTimeout(${TIMER_MS}) latency: ${fmt(latency.alone, 3)} ms alone, ${fmt(latency.loaded, 3)} ms with ${CONCURRENCY} in flight`,
  );

  for (const impl of impls) {
    const correct = await (await impl.batch("warmup"))();
    if (correct !== ITEMS) throw new Error(`${impl.name}: ${correct} of ${ITEMS} outputs correct`);
  }
  console.log(
    `correctness + warm-up: all ${impls.length} implementations return (x + 1) * 2 for all ${ITEMS} items\n`,
  );

  const times = new Map<Impl, number[]>(impls.map((impl) => [impl, []]));
  const cpu = new Map<Impl, number[]>(impls.map((impl) => [impl, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = impls.map((_, i) => impls[(i + round) % impls.length] as Impl);
    const line: string[] = [];
    for (const impl of order) {
      const t = await measure(() => impl.batch(`round-${round}`));
      const correct = await t.value();
      if (correct !== ITEMS) throw new Error(`${impl.name}: ${correct} of ${ITEMS} outputs correct`);
      times.get(impl)?.push(t.wallMs);
      cpu.get(impl)?.push(t.cpuMs);
      line.push(`${impl.name}: ${fmt(t.wallMs, 0)} ms`);
    }
    console.log(`round ${round + 1}/${ROUNDS}: ${line.join("; ")}`);
  }

  const itemsPerSecond = (impl: Impl): number => (ITEMS * 1000) / median(times.get(impl) ?? []);
  const poolRate = impls.includes(pool) ? itemsPerSecond(pool) : Number.NaN;
  const bound = (CONCURRENCY * 1000) / latency.alone;
  const rows = impls.map((impl) => {
    const rate = itemsPerSecond(impl);
    const rates = (times.get(impl) ?? []).map((ms) => (ITEMS * 1000) / ms);
    return [
      impl.name,
      fmt(rate, 0),
      `${fmt(Math.min(...rates), 0)}–${fmt(Math.max(...rates), 0)}`,
      Number.isNaN(poolRate) ? "n/a" : `${fmt((100 * rate) / poolRate, 1)}%`,
      `${fmt((100 * rate) / bound, 1)}%`,
      fmt((median(cpu.get(impl) ?? []) * 1000) / ITEMS, 1),
    ];
  });
  console.log(`\n${loadNote()} (after)\n`);
  console.log(
    markdownTable(
      ["implementation", "items/s", "range (items/s)", "% of pool", "% of bound", "CPU µs/item"],
      rows,
    ),
  );
  console.log(
    `\ntheoretical bound: ${CONCURRENCY} / ${fmt(latency.alone, 3)} ms (measured latency of one awaited setTimeout(${TIMER_MS})) ` +
      `= ${fmt(bound, 0)} items/s` +
      `\nitems/s = ${ITEMS} / median round time; range = slowest–fastest round; CPU µs/item = median ` +
      "process CPU time (user + system, all threads) per item. All items of a 1 ms tick are processed " +
      `one after the other on the one JS thread, so each adds its CPU time to the cycle of all ${CONCURRENCY} ` +
      `workers: expect roughly ${CONCURRENCY} / (timer latency + ${CONCURRENCY} × CPU per item).`,
  );
} finally {
  await rm(scratch, { recursive: true, force: true });
}
