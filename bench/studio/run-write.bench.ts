// The studio's write cost per run on JSON batch ingest, in-process: CPU µs per run of
// `store.runs.ingest` in one transaction per 500-run batch (the batches Catena's tracer sends),
// and, beside it in the same rounds, the part of it that is the per-run lookup of the stored run.
// See bench/RESULTS.md ("Studio: per-run write CPU") for figures and the command.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunOperation, StudioStore } from "@catena/studio";
import { numberArg } from "../lib/report.ts";

const BATCHES = numberArg("batches", 20);
const ROUNDS = numberArg("rounds", 5);
const BATCH = 500;
const STEPS = ["trim", "route", "rules", "fallback", "answer"];

/** One 500-run batch as the tracer sends it: finished runs, a root and five steps per trace. */
function batch(): RunOperation[] {
  const ops: RunOperation[] = [];
  while (ops.length < BATCH) {
    const traceId = randomUUID();
    const start = new Date().toISOString();
    const stamp = `${start.replace(/[-:.]/g, "").slice(0, 15)}000000Z`;
    const rootOrder = `${stamp}${traceId}`;
    // What every run of the trace shares: finished, with the chain's text in and its label out.
    const shared = {
      trace_id: traceId,
      run_type: "chain",
      start_time: start,
      end_time: start,
      session_name: "bench",
      inputs: { text: "I was charged twice for my subscription this month" },
      outputs: { label: "billing", confidence: 0.95 },
    };
    ops.push({
      kind: "post",
      run: {
        ...shared,
        id: traceId,
        dotted_order: rootOrder,
        name: "tiny-triage",
        extra: { metadata: { chain: "tiny-triage", version: "1.0.0" }, runtime: { sdk: "langsmith-js" } },
        tags: ["catena"],
      },
    });
    for (const name of STEPS) {
      const id = randomUUID();
      const run = { ...shared, id, parent_run_id: traceId, dotted_order: `${rootOrder}.${stamp}${id}`, name };
      ops.push({ kind: "post", run: { ...run, extra: { metadata: { chain: "tiny-triage", step: name } } } });
    }
  }
  return ops;
}

function cpuUs(): number {
  const u = process.threadCpuUsage();
  return u.user + u.system;
}

const dir = mkdtempSync(join(tmpdir(), "catena-run-write-"));
const asIs = StudioStore.open(join(dir, "as-is.db"));
// The most that skipping the lookup of new runs could save: every run here is new, so a store that
// never looks is correct for this bench (and only for it).
const noLookup = StudioStore.open(join(dir, "no-lookup.db"));
noLookup.runs.getStored = () => undefined;
const lookup = asIs.db.prepare("SELECT * FROM runs WHERE id = ?");
const cpu = { asIs: [] as number[], noLookup: [] as number[], lookup: [] as number[] };

/** CPU µs per run of writing `batches`, one transaction each, into `store`. */
function write(store: StudioStore, batches: RunOperation[][]): number {
  const t0 = cpuUs();
  for (const ops of batches) store.transaction(() => store.runs.ingest(ops));
  return (cpuUs() - t0) / (batches.length * BATCH);
}

for (let round = 0; round < ROUNDS; round++) {
  // Alternate which store goes first, so that neither always runs on a warmer heap.
  const order = round % 2 === 0 ? (["asIs", "noLookup"] as const) : (["noLookup", "asIs"] as const);
  for (const side of order) {
    cpu[side].push(write(side === "asIs" ? asIs : noLookup, Array.from({ length: BATCHES }, batch)));
  }
  // As many lookups of ids not stored yet as the ingest of new runs does.
  const fresh = Array.from({ length: BATCHES }, batch);
  const t0 = cpuUs();
  for (const ops of fresh) {
    asIs.transaction(() => {
      for (const op of ops) lookup.get(op.run.id);
    });
  }
  cpu.lookup.push((cpuUs() - t0) / (BATCHES * BATCH));
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const show = (xs: number[]): string =>
  `${xs.map((x) => x.toFixed(1)).join(" ")} (median ${median(xs).toFixed(1)})`;
console.log(`runs.ingest, as is          CPU µs/run: ${show(cpu.asIs)}`);
console.log(`runs.ingest, lookup skipped CPU µs/run: ${show(cpu.noLookup)}`);
console.log(`lookup of a new id alone    CPU µs/run: ${show(cpu.lookup)}`);
asIs.close();
noLookup.close();
rmSync(dir, { recursive: true, force: true });
