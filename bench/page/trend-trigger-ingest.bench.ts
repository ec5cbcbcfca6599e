// Ingestion through the studio store's write path (RunStore.ingest) with and without migration
// 18's trigger (a root rewritten by an older studio loses its Trends' values), paired: both kinds
// in every round, in alternating order. RunStore's own rewrite of a root makes trend_failed NULL
// in the same statement, so the trigger's WHEN is false for it: what remains is SQLite checking
// that WHEN on each rewrite. See bench/RESULTS.md ("Studio: roots rewritten by an older studio").
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StudioStore } from "@catena/studio";
import { fmt, machineNotes, markdownTable, median, numberArg } from "../lib/report.ts";
import { traceOps } from "./search-ingest.ts";

const TRIGGER = "runs_root_trends_reset";

interface Round {
  runsPerSecond: number;
  cpuMs: number;
}

// 100 operations per transaction, as a batch of the SDK's size would be.
function round(dir: string, runs: number, withTrigger: boolean, n: number): Round {
  const s = StudioStore.open(join(dir, `ingest-${withTrigger ? "with" : "without"}-${n}.db`));
  if (!withTrigger) s.db.exec(`DROP TRIGGER ${TRIGGER}`);
  const ops = traceOps(runs);
  const cpu = process.cpuUsage();
  const t = performance.now();
  for (let i = 0; i < ops.length; i += 100) s.transaction(() => s.runs.ingest(ops.slice(i, i + 100)));
  const seconds = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  const underived = s.db
    .prepare("SELECT count(*) AS n FROM runs WHERE parent_run_id IS NULL AND trend_failed IS NULL")
    .get()?.n;
  if (Number(underived) !== 0) throw new Error(`${underived} roots lost their Trends' values`);
  s.close();
  return { runsPerSecond: runs / seconds, cpuMs: (used.user + used.system) / 1000 };
}

const runs = numberArg("ingest", 20_000);
const rounds = numberArg("ingest-rounds", 7);
const dir = mkdtempSync(join(tmpdir(), "catena-trend-trigger-"));
try {
  const results = { with: [] as Round[], without: [] as Round[] };
  round(dir, 1_000, true, -1); // warm-up: JIT and SQLite's code
  for (let n = 0; n < rounds; n++) {
    for (const withTrigger of n % 2 === 0 ? [false, true] : [true, false]) {
      results[withTrigger ? "with" : "without"].push(round(dir, runs, withTrigger, n));
    }
  }
  const rows = (["without", "with"] as const).map((k) => [
    `${k} the trigger`,
    fmt(median(results[k].map((r) => r.runsPerSecond)), 0),
    fmt(median(results[k].map((r) => r.cpuMs)) / 1000, 2),
    fmt((median(results[k].map((r) => r.cpuMs)) * 1000) / runs, 1),
  ]);
  const extra = (median(results.with.map((r, i) => r.cpuMs - results.without[i]!.cpuMs)) * 1000) / runs;
  const table = markdownTable(
    [
      `ingest ${runs.toLocaleString("en")} runs (RunStore.ingest), median of ${rounds}`,
      "runs/s",
      "CPU s",
      "CPU µs/run",
    ],
    rows,
  );
  process.stdout.write(
    `${machineNotes()}\n\n${table}\n\ntrigger cost: ${fmt(extra, 1)} µs CPU per run (median of the rounds' paired differences)\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
