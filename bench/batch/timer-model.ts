// What CPU work per item costs a 32-worker pool whose items wait on a 1 ms timer, by where it runs:
// on the path (before the worker arms its next timer), right after it in the same microtask turn,
// or in a setImmediate once per event-loop turn (as runBatch's recorder does). No Catena code: it
// shows the event loop's mechanics that the batch benchmark's figures come from.
//
//   node bench/batch/timer-model.ts [--rounds=7]
//
// Each row: items/s, % of the pool without extra work, and the cycle (the time per 32 items).
import { performance } from "node:perf_hooks";
import { fmt, loadNote, markdownTable, median, numberArg } from "../lib/report.ts";

const ITEMS = 10_000;
const CONCURRENCY = 32;
const ROUNDS = numberArg("rounds", 7);

type Where = "none" | "path" | "after" | "immediate";
const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));
const burn = (us: number): void => {
  const until = performance.now() + us / 1000;
  while (performance.now() < until) {}
};

async function pool(where: Where, us: number): Promise<void> {
  let next = 0;
  let owed = 0;
  let scheduled = false;
  const worker = async (): Promise<void> => {
    while (next < ITEMS) {
      next++;
      if (where === "path") burn(us);
      const wait = tick();
      if (where === "after") queueMicrotask(() => burn(us));
      if (where === "immediate") {
        owed += us;
        if (!scheduled) {
          scheduled = true;
          setImmediate(() => {
            scheduled = false;
            burn(owed);
            owed = 0;
          });
        }
      }
      await wait;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

const variants: [Where, number][] = [["none", 0]];
for (const us of [2, 5, 10])
  for (const where of ["path", "after", "immediate"] as const) variants.push([where, us]);
const times = new Map<string, number[]>(variants.map(([w, us]) => [`${w}:${us}`, []]));
console.log(`${loadNote()} (before)`);
for (const [where, us] of variants) await pool(where, us);
for (let r = 0; r < ROUNDS; r++) {
  for (let i = 0; i < variants.length; i++) {
    const [where, us] = variants[(i + r) % variants.length] as [Where, number];
    const t0 = performance.now();
    await pool(where, us);
    times.get(`${where}:${us}`)?.push(performance.now() - t0);
  }
}
const base = median(times.get("none:0") ?? []);
const rows = variants.map(([where, us]) => {
  const ms = median(times.get(`${where}:${us}`) ?? []);
  return [
    where === "none" ? "no extra work" : `${us} µs per item, ${where}`,
    fmt((ITEMS * 1000) / ms, 0),
    `${fmt((100 * base) / ms, 1)}%`,
    fmt(ms / (ITEMS / CONCURRENCY), 3),
  ];
});
console.log(`${loadNote()} (after)\n`);
console.log(markdownTable(["variant", "items/s", "% of none", "cycle (ms per 32 items)"], rows));
