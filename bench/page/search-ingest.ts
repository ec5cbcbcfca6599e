// Ingestion through the studio store's write path (RunStore.ingest) with and without the full-text
// search index, paired: both kinds in every round, in alternating order. Used by search.bench.ts
// and, alone, by search-ingest.bench.ts.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { type RunOperation, StudioStore } from "@catena/studio";
import { fmt, markdownTable, median } from "../lib/report.ts";

/**
 * Replaces the search index (migration 10) by an inert view that takes the same writes and keeps
 * nothing: the write path as it was before the index, plus two no-op statements per root.
 */
export function withoutSearchIndex(db: DatabaseSync): void {
  db.exec(`
    DROP TRIGGER runs_search_delete;
    DROP TABLE runs_search;
    CREATE VIEW runs_search AS
      SELECT 0 AS rowid, NULL AS name, NULL AS inputs, NULL AS outputs, NULL AS error WHERE 0;
    CREATE TRIGGER runs_search_insert INSTEAD OF INSERT ON runs_search BEGIN SELECT 1; END;
    CREATE TRIGGER runs_search_delete INSTEAD OF DELETE ON runs_search BEGIN SELECT 1; END;
  `);
}

/**
 * Traces as the SDK sends them: a root (a ~210-character ticket) and 9 children posted, then each
 * patched with outputs and its end time.
 */
export function traceOps(runs: number): RunOperation[] {
  const ops: RunOperation[] = [];
  const t0 = Date.now() - 86_400_000;
  for (let t = 0; t < runs / 10; t++) {
    const root = randomUUID();
    const start = new Date(t0 + t * 1000).toISOString();
    const ticket = `Ticket ${t}: my card was charged twice for order ${t * 7}. I have already contacted the bank and they told me to ask the merchant. Please refund the second charge of 42.10 EUR to the same card. Thanks, customer ${t % 997}`;
    const children = Array.from({ length: 9 }, () => randomUUID());
    ops.push({
      kind: "post",
      run: {
        id: root,
        name: "support-triage",
        run_type: "chain",
        session_name: "ingest",
        start_time: start,
        inputs: { ticket },
      },
    });
    for (const [i, id] of children.entries()) {
      ops.push({
        kind: "post",
        run: {
          id,
          name: `step-${i}`,
          run_type: i === 8 ? "llm" : "tool",
          parent_run_id: root,
          trace_id: root,
          session_name: "ingest",
          start_time: start,
          inputs: { text: ticket },
        },
      });
    }
    for (const id of children)
      ops.push({ kind: "patch", run: { id, outputs: { ok: true }, end_time: start } });
    ops.push({
      kind: "patch",
      run: { id: root, outputs: { label: "card_payment_charged_twice", confidence: 0.93 }, end_time: start },
    });
  }
  return ops;
}

interface IngestRound {
  runsPerSecond: number;
  cpuMs: number;
}

// 100 operations per transaction, as a batch of the SDK's size would be.
function ingestRound(dir: string, runs: number, withIndex: boolean, round: number): IngestRound {
  const s = StudioStore.open(join(dir, `ingest-${withIndex ? "with" : "without"}-${round}.db`));
  if (!withIndex) withoutSearchIndex(s.db);
  const ops = traceOps(runs);
  const cpu = process.cpuUsage();
  const t = performance.now();
  for (let i = 0; i < ops.length; i += 100) s.transaction(() => s.runs.ingest(ops.slice(i, i + 100)));
  const seconds = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  if (
    withIndex &&
    Number(s.db.prepare("SELECT count(*) AS n FROM runs_search").get()?.n) !== (runs / 10) * 2
  ) {
    throw new Error("the search index does not hold two rows per root");
  }
  s.close();
  return { runsPerSecond: runs / seconds, cpuMs: (used.user + used.system) / 1000 };
}

/** Runs the paired rounds and returns the results as a markdown table. */
export function searchIngestTable(dir: string, runs: number, rounds: number): string {
  const results = { with: [] as IngestRound[], without: [] as IngestRound[] };
  ingestRound(dir, Math.min(runs, 1000), true, -1); // warm-up: JIT and SQLite's code
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [false, true] : [true, false];
    for (const withIndex of order) {
      results[withIndex ? "with" : "without"].push(ingestRound(dir, runs, withIndex, round));
    }
  }
  const cpuPerRun = (k: "with" | "without") => (median(results[k].map((r) => r.cpuMs)) * 1000) / runs;
  const rows = (["without", "with"] as const).map((k) => [
    `${k} the search index`,
    fmt(median(results[k].map((r) => r.runsPerSecond)), 0),
    fmt(median(results[k].map((r) => r.cpuMs)) / 1000, 2),
    fmt(cpuPerRun(k), 1),
  ]);
  const extra = (median(results.with.map((r, i) => r.cpuMs - results.without[i]!.cpuMs)) * 1000) / runs;
  return `${markdownTable(
    [
      `ingest ${runs.toLocaleString("en")} runs (RunStore.ingest), median of ${rounds}`,
      "runs/s",
      "CPU s",
      "CPU µs/run",
    ],
    rows,
  )}\n\nindex cost: +${fmt(extra, 1)} µs CPU per run (median of the rounds' paired differences)\n`;
}
