// The runs page's tier filter and Trends at 1,000,000 runs: the answering tier evaluated on every
// read (answering-tier.ts's rule in the WHERE, as before studio migration 15) against the tier each
// root stores (`runs.answering_tier` and its index), paired in one run, interleaved; the time
// migration 15 takes to store the tier of the roots a database already holds; queryTrends reading
// each root's metadata (as before migration 16) against the trend values each root stores, paired;
// the time migration 16 takes to store them; and ingestion through RunStore keeping only the tier
// (before migration 16) or the tier and the trend values. See bench/RESULTS.md ("Studio: the
// answering tier stored", "Studio: Trends' values stored").
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SQLInputValue } from "node:sqlite";
import { type RunOperation, StudioStore } from "@catena/studio";
import { AnsweringTierWriter, answeringTierSql } from "../../packages/studio/src/store/answering-tier.ts";
import { loadNodeSqlite } from "../../packages/studio/src/store/load-node-sqlite.ts";
import { applyMigrations, migrations } from "../../packages/studio/src/store/migrations.ts";
import { queryRunPage } from "../../packages/studio/src/store/run-page-query.ts";
import { queryTrends } from "../../packages/studio/src/store/trends-query.ts";
import { fmt, loadNote, machineNotes, markdownTable, median, numberArg, percentile } from "../lib/report.ts";
import { writePageRuns } from "./page-runs.ts";
import { queryTrendsBefore } from "./trends-before.ts";

const RUNS = numberArg("runs", 1_000_000);
const SAMPLES = numberArg("samples", 5);
const ROUNDS = numberArg("rounds", 2);
const INGEST = numberArg("ingest", 10_000);
const INGEST_ROUNDS = numberArg("ingest-rounds", 3);
const dir = mkdtempSync(join(tmpdir(), "catena-tier-bench-"));

// 1. A database at schema 14 (before the stored tier) with the page benchmark's runs, and two
// kinds of roots the rule has to work for: 1 in 1,000 answered by a rare tier (`human`), and 1
// in 10 without a cascade (no `metadata.tier`: the rule falls through to the model, the tokens
// and the trace's `llm` run).
const dbPath = join(dir, "studio.db");
const genStart = performance.now();
const raw = new (loadNodeSqlite().DatabaseSync)(dbPath);
raw.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL");
applyMigrations(
  raw,
  migrations.filter((m) => m.version < 15),
);
const sessions = Array.from({ length: 4 }, () => randomUUID());
for (const [i, id] of sessions.entries())
  raw.prepare("INSERT INTO sessions (id, name, start_time) VALUES (?, ?, ?)").run(id, `bench-${i}`, "x");
const { mid } = writePageRuns(raw, sessions, RUNS);
raw.exec(`
  UPDATE runs SET extra = json_set(extra, '$.metadata.tier', 'human')
    WHERE parent_run_id IS NULL AND rowid % 1000 = 1;
  UPDATE runs SET extra = json_remove(extra, '$.metadata.tier')
    WHERE parent_run_id IS NULL AND rowid % 10 = 5;
  UPDATE runs SET extra = json_set(extra, '$.metadata.tier', CASE WHEN rowid % 2000 = 501 THEN 'Expert' ELSE 'expert' END)
    WHERE parent_run_id IS NULL AND rowid % 1000 = 501;
  PRAGMA wal_checkpoint(TRUNCATE);
`);
const genSeconds = (performance.now() - genStart) / 1000;

// 2. Migration 15 adds the tier's column and index; then the studio opens the file: the later
// migrations add Trends' columns, and the open fills every root's tier and Trends' values in
// chunks (underived-roots.ts).
const cpu0 = process.cpuUsage();
const migStart = performance.now();
applyMigrations(
  raw,
  migrations.filter((m) => m.version <= 15),
);
raw.close();
const migSeconds = (performance.now() - migStart) / 1000;
const migCpu = process.cpuUsage(cpu0);
const cpu16 = process.cpuUsage();
const mig16Start = performance.now();
const store = StudioStore.open(dbPath);
const mig16Seconds = (performance.now() - mig16Start) / 1000;
const mig16Cpu = process.cpuUsage(cpu16);
const db = store.db;
const project = sessions[0] as string;
const roots = Number(
  db.prepare("SELECT count(*) AS n FROM runs WHERE parent_run_id IS NULL AND session_id = ?").get(project)?.n,
);

// 3. Each read both ways, interleaved: the rule in the WHERE through the project's root index (as
// the page and Trends read before), and the stored column (through its index for the filter).
interface Samples {
  wall: number[];
  cpu: number[];
  rows: number;
}
const samples = (): Samples => ({ wall: [], cpu: [], rows: 0 });
function timed<T>(into: Samples, fn: () => T): T {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const value = fn();
  into.wall.push(performance.now() - t);
  const used = process.cpuUsage(cpu);
  into.cpu.push((used.user + used.system) / 1000);
  return value;
}
const p = (values: number[], q: number) =>
  fmt(
    percentile(
      [...values].sort((a, b) => a - b),
      q,
    ),
    1,
  );
const ruleFilter = db.prepare(
  `SELECT r.id FROM runs AS r INDEXED BY runs_session_root_start
    WHERE r.session_id = ? AND r.parent_run_id IS NULL AND (${answeringTierSql("r")}) = ?
    ORDER BY r.start_time DESC, r.id DESC LIMIT 51`,
);
const storedFilter = db.prepare(
  `SELECT r.id FROM runs AS r INDEXED BY runs_session_root_tier
    WHERE r.session_id = ? AND r.parent_run_id IS NULL AND r.answering_tier = ?
    ORDER BY r.start_time DESC, r.id DESC LIMIT 51`,
);
// Trends' default window, 30 days: the whole span of the generated runs.
const until = new Date(mid + 16 * 86_400_000).toISOString();
const since = new Date(mid - 16 * 86_400_000).toISOString();
const trendsTiers = (tier: string) =>
  db.prepare(
    `SELECT ${tier} AS tier FROM runs AS r INDEXED BY runs_session_root_start
      WHERE r.session_id = ? AND r.parent_run_id IS NULL AND r.start_time >= ? AND r.start_time < ?`,
  );
const ruleTrends = trendsTiers(answeringTierSql("r"));
const storedTrends = trendsTiers("r.answering_tier");
const ids = (rows: Array<Record<string, SQLInputValue>>) => rows.map((r) => String(r.id));
const cases: Array<{
  name: string;
  before: () => unknown;
  after: () => unknown;
  rows: (v: unknown) => number;
}> = [
  ...["human", "llm", "none"].map((tier) => ({
    name: `runs page, tier = ${tier}: 50 newest`,
    before: () => ids(ruleFilter.all(project, tier)).slice(0, 50),
    after: () => ids(storedFilter.all(project, tier)).slice(0, 50),
    rows: (v: unknown) => (v as string[]).length,
  })),
  {
    name: "Trends' tiers of 30 days' roots",
    before: () => ruleTrends.all(project, since, until).map((r) => String(r.tier)),
    after: () => storedTrends.all(project, since, until).map((r) => String(r.tier)),
    rows: (v: unknown) => (v as string[]).length,
  },
];
const paired = new Map(cases.map((c) => [c.name, { before: samples(), after: samples() }]));
for (const c of cases) {
  if (JSON.stringify(c.before()) !== JSON.stringify(c.after()))
    throw new Error(`${c.name}: the rule and the stored tier found other rows`);
}
for (let round = 0; round < ROUNDS; round++) {
  for (const c of cases) {
    const entry = paired.get(c.name)!;
    for (let i = 0; i < SAMPLES; i++) {
      entry.before.rows = c.rows(timed(entry.before, c.before));
      timed(entry.after, c.after);
    }
  }
}
// The store functions the page calls, as they read now.
const whole: Array<[string, () => unknown]> = [
  ...["human", "llm", "none"].map((tier): [string, () => unknown] => [
    `queryRunPage, tier = ${tier}`,
    () => JSON.stringify(queryRunPage(db, { project, tier, limit: 50 })),
  ]),
  // The tier filter ignores case: one stored spelling read through the tier's index, two
  // (`Expert` and `expert`, 1 root in 2,000 each) each through the tier's index, a page's worth
  // apiece, then merged newest first.
  ...["HUMAN", "Llm", "EXPERT"].map((tier): [string, () => unknown] => [
    `queryRunPage, tier = ${tier}`,
    () => JSON.stringify(queryRunPage(db, { project, tier, limit: 50 })),
  ]),
  ["queryTrends, 30 days", () => JSON.stringify(queryTrends(db, { project, days: 30, until }))],
];
for (const [tier, spelled] of [
  ["HUMAN", "human"],
  ["Llm", "llm"],
] as const) {
  const page = (t: string) => queryRunPage(db, { project, tier: t, limit: 50 }).runs.map((r) => r.id);
  if (JSON.stringify(page(tier)) !== JSON.stringify(page(spelled)) || page(tier).length === 0)
    throw new Error(`tier = ${tier} did not find the newest runs of ${spelled}`);
}
// queryTrends before (each root's chain, version, model, status, cost and latency read from its
// metadata through the root-run index, as before migration 16) and now (the values each root
// stores, read from the index that holds them), paired in one process, interleaved, the same rows
// checked equal, and equal to the query before SQLite grouped the roots (trends-before.ts).
const trendsNow = () => JSON.stringify(queryTrends(db, { project, days: 30, until }));
const trendsBefore = () =>
  JSON.stringify(queryTrends(db, { project, days: 30, until }, { source: "metadata" }));
if (trendsNow() !== trendsBefore()) throw new Error("queryTrends gives other rows than before");
if (trendsNow() !== JSON.stringify(queryTrendsBefore(db, { project, days: 30, until })))
  throw new Error("queryTrends gives other rows than before SQLite grouped the roots");
const trendsPaired = { before: samples(), after: samples() };
for (let i = 0; i < SAMPLES * ROUNDS; i++) {
  if (i % 2 === 0) {
    timed(trendsPaired.before, trendsBefore);
    timed(trendsPaired.after, trendsNow);
  } else {
    timed(trendsPaired.after, trendsNow);
    timed(trendsPaired.before, trendsBefore);
  }
}
const trendsRows = (["before", "after"] as const).map((when) => [
  `queryTrends, 30 days, ${when}`,
  p(trendsPaired[when].wall, 50),
  p(trendsPaired[when].wall, 95),
  p(trendsPaired[when].cpu, 50),
]);
const wholeRows = whole.map(([name, fn]) => {
  const entry = samples();
  fn();
  for (let i = 0; i < SAMPLES * ROUNDS; i++) timed(entry, fn);
  return [name, p(entry.wall, 50), p(entry.wall, 95), p(entry.cpu, 50)];
});
const queryRows = cases.map((c) => {
  const { before, after } = paired.get(c.name)!;
  return [
    c.name,
    String(before.rows),
    p(before.wall, 50),
    p(before.cpu, 50),
    p(after.wall, 50),
    p(after.wall, 95),
    p(after.cpu, 50),
  ];
});
const loadAfterQueries = loadNote();
store.close();

// 4. Ingestion through RunStore.ingest, keeping the tier only (each root's UPDATE without the trend
// values, their index dropped: as before migration 16) or the tier and the trend values, paired in
// alternating order: traces of a root and 9 children, one of them an `llm` run.
function traceOps(runs: number): RunOperation[] {
  const ops: RunOperation[] = [];
  const t0 = Date.now() - 86_400_000;
  for (let t = 0; t < runs / 10; t++) {
    const root = randomUUID();
    const start = new Date(t0 + t * 1000).toISOString();
    ops.push({
      kind: "post",
      run: {
        id: root,
        name: "chain",
        run_type: "chain",
        session_name: "ingest",
        start_time: start,
        inputs: { t },
      },
    });
    const children = Array.from({ length: 9 }, () => randomUUID());
    for (const [i, id] of children.entries())
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
          inputs: { i },
        },
      });
    for (const id of children)
      ops.push({ kind: "patch", run: { id, outputs: { ok: true }, end_time: start } });
    ops.push({
      kind: "patch",
      run: {
        id: root,
        outputs: { label: "x" },
        end_time: start,
        extra: { metadata: { chain: "c", tokens_in: 0 } },
      },
    });
  }
  return ops;
}
const written = AnsweringTierWriter.prototype.written;
function ingestRound(keep: boolean, round: number): number {
  const s = StudioStore.open(join(dir, `ingest-${keep}-${round}.db`));
  if (!keep) {
    s.db.exec("DROP INDEX runs_session_root_trends");
    const tierOnly = s.db.prepare(
      `UPDATE runs SET answering_tier = (${answeringTierSql("runs")}) WHERE rowid = ?`,
    );
    AnsweringTierWriter.prototype.written = function (this: AnsweringTierWriter, rowid, run) {
      if (run.parent_run_id === null) tierOnly.run(rowid);
      else written.call(this, rowid, run);
    };
  }
  const ops = traceOps(INGEST);
  const cpu = process.cpuUsage();
  for (let i = 0; i < ops.length; i += 100) s.transaction(() => s.runs.ingest(ops.slice(i, i + 100)));
  const used = process.cpuUsage(cpu);
  const llm = Number(s.db.prepare("SELECT count(*) AS n FROM runs WHERE answering_tier = 'llm'").get()?.n);
  if (llm !== INGEST / 10) throw new Error(`${llm} roots of tier llm, not ${INGEST / 10}`);
  const chains = Number(s.db.prepare("SELECT count(*) AS n FROM runs WHERE trend_chain = 'c'").get()?.n);
  if (chains !== (keep ? INGEST / 10 : 0)) throw new Error(`${chains} roots with their trend values stored`);
  s.close();
  AnsweringTierWriter.prototype.written = written;
  return (used.user + used.system) / 1000;
}
ingestRound(true, -1);
const ingest = { keep: [] as number[], skip: [] as number[] };
for (let round = 0; round < INGEST_ROUNDS; round++)
  for (const keep of round % 2 === 0 ? [false, true] : [true, false])
    ingest[keep ? "keep" : "skip"].push(ingestRound(keep, round));
rmSync(dir, { recursive: true, force: true });

const perRun = (ms: number[]) => fmt((median(ms) * 1000) / INGEST, 1);
process.stdout.write(`${machineNotes()}\nafter the queries: ${loadAfterQueries}\n\n`);
process.stdout.write(
  `${RUNS.toLocaleString("en")} runs written at schema 14 in ${genSeconds.toFixed(1)} s; migration 15 added the tier's ` +
    `column and index in ${migSeconds.toFixed(1)} s (CPU ${((migCpu.user + migCpu.system) / 1e6).toFixed(1)} s); ` +
    `the open (the later migrations, then the fill of the roots' tier and Trends' values) took ${mig16Seconds.toFixed(1)} s ` +
    `(CPU ${((mig16Cpu.user + mig16Cpu.system) / 1e6).toFixed(1)} s); ` +
    `${roots.toLocaleString("en")} roots in the queried project\n\n`,
);
process.stdout.write(
  `${markdownTable(["the tier's SQL, ms", "rows", "rule p50", "rule CPU p50", "stored p50", "stored p95", "stored CPU p50"], queryRows)}\n\n`,
);
process.stdout.write(
  `${markdownTable(["store function with the stored tier (+ JSON)", "p50 ms", "p95 ms", "CPU p50 ms"], wholeRows)}\n\n`,
);
process.stdout.write(
  `${markdownTable(["Trends' store function (+ JSON), paired", "p50 ms", "p95 ms", "CPU p50 ms"], trendsRows)}\n\n`,
);
process.stdout.write(
  `${markdownTable(
    [
      `ingest ${INGEST.toLocaleString("en")} runs (RunStore.ingest), median of ${INGEST_ROUNDS}`,
      "CPU µs/run",
    ],
    [
      ["tier kept (before migration 16)", perRun(ingest.skip)],
      ["tier and trend values kept", perRun(ingest.keep)],
    ],
  )}\n`,
);
