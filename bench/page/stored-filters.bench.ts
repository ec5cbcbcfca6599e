// At 1,000,000 runs (page-runs.ts, written at schema 14): (1) the tier and Trends' values of the
// roots stored before migrations 15 and 16, filled as those migrations did (one transaction each)
// against the fill at open (a bounded chunk per transaction, underived-roots.ts), on two copies of
// the same file: time, CPU and the WAL's largest size; (2) the runs page's chain, version, model and
// status filters reading each root's metadata (json_extract, as before) against the columns stored
// for Trends and their index, paired and checked byte-identical; (3) Trends' statement as it was
// (flattened: the rating looked up twice per root), as it is (LIMIT -1), and with one grouped
// feedback query joined instead, paired and checked equal. See bench/RESULTS.md ("Studio: the
// roots' derived values filled in chunks, page filters on stored columns, Trends' feedback lookups").
import { randomUUID } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { storeAnsweringTiers } from "../../packages/studio/src/store/answering-tier.ts";
import { loadNodeSqlite } from "../../packages/studio/src/store/load-node-sqlite.ts";
import { applyMigrations, migrations } from "../../packages/studio/src/store/migrations.ts";
import { queryRunPage, type RunPageQuery } from "../../packages/studio/src/store/run-page-query.ts";
import { storeTrendValues, TREND_COLUMNS } from "../../packages/studio/src/store/trend-columns.ts";
import { queryTrends } from "../../packages/studio/src/store/trends-query.ts";
import { fillUnderivedRoots } from "../../packages/studio/src/store/underived-roots.ts";
import { fmt, loadNote, machineNotes, markdownTable, numberArg, percentile } from "../lib/report.ts";
import { writePageRuns } from "./page-runs.ts";

const RUNS = numberArg("runs", 1_000_000);
const SAMPLES = numberArg("samples", 7);
const EXTRA_FEEDBACK = numberArg("extra-feedback", 0);
const dir = mkdtempSync(join(tmpdir(), "catena-stored-filters-"));
const open = (path: string): DatabaseSync => {
  const db = new (loadNodeSqlite().DatabaseSync)(path);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000");
  return db;
};
const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};
const walBytes = (path: string) => (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);
const mb = (bytes: number) => fmt(bytes / 1024 / 1024, 1);

// 1. The runs, at schema 14.
const oldPath = join(dir, "one-transaction.db");
const newPath = join(dir, "chunked.db");
const genStart = performance.now();
const raw = open(oldPath);
applyMigrations(
  raw,
  migrations.filter((m) => m.version <= 14),
);
const sessions = Array.from({ length: 4 }, () => randomUUID());
for (const [i, id] of sessions.entries())
  raw.prepare("INSERT INTO sessions (id, name, start_time) VALUES (?, ?, ?)").run(id, `bench-${i}`, "x");
const { mid } = writePageRuns(raw, sessions, RUNS);
raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
raw.close();
copyFileSync(oldPath, newPath);
const genSeconds = (performance.now() - genStart) / 1000;
const dbBytes = statSync(oldPath).size;
const roots = (() => {
  const db = open(newPath);
  const n = Number(db.prepare("SELECT count(*) AS n FROM runs WHERE parent_run_id IS NULL").get()?.n);
  db.close();
  return n;
})();

// 2a. As migrations 15 and 16 filled them before: each in one transaction, its index built after.
interface Fill {
  wall: number;
  cpu: number;
  wal: number;
  longestMs: number;
}
const oldFill: Fill = (() => {
  const db = open(oldPath);
  const cpu = process.cpuUsage();
  const t = performance.now();
  let wal = 0;
  let longestMs = 0;
  const tx = (work: () => void) => {
    const start = performance.now();
    db.exec("BEGIN IMMEDIATE");
    work();
    db.exec("COMMIT");
    longestMs = Math.max(longestMs, performance.now() - start);
    wal = Math.max(wal, walBytes(oldPath));
  };
  tx(() => {
    db.exec("ALTER TABLE runs ADD COLUMN answering_tier TEXT");
    storeAnsweringTiers(db);
    db.exec(`CREATE INDEX runs_session_root_tier ON runs (session_id, answering_tier, start_time, id)
      WHERE parent_run_id IS NULL`);
  });
  tx(() => {
    for (const column of TREND_COLUMNS) db.exec(`ALTER TABLE runs ADD COLUMN ${column}`);
    storeTrendValues(db);
    db.exec(`CREATE INDEX runs_session_root_trends ON runs (session_id, start_time, ${TREND_COLUMNS.join(", ")},
      answering_tier, id, parent_run_id) WHERE parent_run_id IS NULL`);
  });
  const result = { wall: performance.now() - t, cpu: cpuMs(cpu), wal, longestMs };
  db.close();
  return result;
})();

// 2b. Now: migrations 15 to 17 add the columns and indexes, the open fills a chunk per transaction.
let migrationsMs = 0;
const newFill: Fill & { chunks: number } = (() => {
  const db = open(newPath);
  const cpu = process.cpuUsage();
  const t = performance.now();
  let wal = 0;
  let longestMs = 0;
  let chunks = 0;
  let last = performance.now();
  applyMigrations(db);
  migrationsMs = performance.now() - last;
  last = performance.now();
  fillUnderivedRoots(db, {
    onChunk() {
      chunks++;
      wal = Math.max(wal, walBytes(newPath));
      longestMs = Math.max(longestMs, performance.now() - last);
      last = performance.now();
    },
  });
  const result = { wall: performance.now() - t, cpu: cpuMs(cpu), wal, longestMs, chunks };
  db.close();
  return result;
})();

// Both ways store the same values.
const db = open(newPath);
db.exec(`ATTACH DATABASE '${oldPath}' AS old`);
const derived = `id, answering_tier, ${TREND_COLUMNS.join(", ")}`;
const differing = Number(
  db
    .prepare(
      `SELECT count(*) AS n FROM (SELECT ${derived} FROM main.runs EXCEPT SELECT ${derived} FROM old.runs)`,
    )
    .get()?.n,
);
if (differing !== 0)
  throw new Error(`${differing} runs got other derived values than migrations 15 and 16 gave`);
db.exec("DETACH DATABASE old");
// --extra-feedback=N: N more feedback rows on every root of every project (alternately a rating
// and a note), for Trends with a feedback table larger than its window.
for (let k = 0; k < EXTRA_FEEDBACK; k++)
  db.exec(`INSERT INTO feedback (id, run_id, trace_id, session_id, key, score, created_at, modified_at)
    SELECT lower(hex(randomblob(16))), id, trace_id, session_id, ${k % 2 === 0 ? "'rating'" : "'note'"},
      abs(random() % 5), start_time, start_time
    FROM runs WHERE parent_run_id IS NULL`);
db.exec("ANALYZE");
const loadAfterFill = loadNote();

// 3. The runs page's filters, metadata against stored columns, paired.
const project = sessions[0] as string;
interface Samples {
  wall: number[];
  cpu: number[];
}
const samples = (): Samples => ({ wall: [], cpu: [] });
function timed<T>(into: Samples, fn: () => T): T {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const value = fn();
  into.wall.push(performance.now() - t);
  into.cpu.push(cpuMs(cpu));
  return value;
}
const p50 = (values: number[]) =>
  fmt(
    percentile(
      [...values].sort((a, b) => a - b),
      50,
    ),
    1,
  );
const deep = (query: Omit<RunPageQuery, "project" | "limit">) => {
  // The cursor after 20 pages of the filter (metadata way: the cursors are the same).
  let cursor: string | undefined;
  for (let i = 0; i < 20; i++) {
    const page = queryRunPage(db, { project, limit: 50, ...query, ...(cursor ? { cursor } : {}) });
    if (page.next === null) break;
    cursor = page.next;
  }
  return cursor;
};
const filters: Array<[string, Omit<RunPageQuery, "project" | "limit">]> = [
  ["status = error (3%)", { status: "error" }],
  ["status = deferred (5%)", { status: "deferred" }],
  ["model = gpt-4o-mini (1/3)", { model: "gpt-4o-mini" }],
  ["model = none such (0 runs)", { model: "claude" }],
  ["chain + version", { chain: "triage", version: "1.0.0" }],
  ["chain = long (1 run)", { chain: "long" }],
  ["tier = llm + model", { tier: "llm", model: "gpt-4o-mini" }],
  ["status = error, page 21", { status: "error" }],
  ["model = gpt-4o-mini, page 21", { model: "gpt-4o-mini" }],
];
const pageRows: string[][] = [];
for (const [name, base] of filters) {
  const query: RunPageQuery = { project, limit: 50, ...base };
  if (name.endsWith("page 21")) {
    const cursor = deep(base);
    if (cursor !== undefined) query.cursor = cursor;
  }
  const before = () => JSON.stringify(queryRunPage(db, query, { filterSource: "metadata" }));
  const after = () => JSON.stringify(queryRunPage(db, query));
  const rows = (JSON.parse(after()) as { runs: unknown[] }).runs.length;
  if (before() !== after()) throw new Error(`${name}: the stored columns found other rows`);
  const entry = { before: samples(), after: samples() };
  for (let i = 0; i < SAMPLES; i++) {
    if (i % 2 === 0) {
      timed(entry.before, before);
      timed(entry.after, after);
    } else {
      timed(entry.after, after);
      timed(entry.before, before);
    }
  }
  pageRows.push([
    name,
    String(rows),
    p50(entry.before.wall),
    p50(entry.before.cpu),
    p50(entry.after.wall),
    p50(entry.after.cpu),
  ]);
}

// 4. Trends' statement: as it was (flattened), now (LIMIT -1), and with one grouped feedback query.
const until = new Date(mid + 16 * 86_400_000).toISOString();
const since = new Date(mid - 16 * 86_400_000).toISOString();
const columns = `substr(r.start_time, 1, 10) AS day, r.start_time, r.trend_chain AS chain, r.trend_version AS version,
  r.trend_model AS model, r.answering_tier AS tier, r.trend_failed AS failed, r.trend_cost AS cost, r.trend_ms AS ms`;
const window = `FROM runs AS r INDEXED BY runs_session_root_trends
  WHERE r.session_id = ? AND r.parent_run_id IS NULL AND r.start_time >= ? AND r.start_time < ?`;
const lookups = `(SELECT avg(f.score) FROM feedback AS f WHERE f.run_id = r.id AND f.key = 'rating') AS rating,
  (SELECT count(*) FROM feedback AS f WHERE f.run_id = r.id) AS feedback`;
const grouped = (
  inner: string,
) => `SELECT day, chain, version, model, tier, count(*) AS runs, sum(failed) AS errors,
  total(cost) AS cost, total(rating) AS rating_sum, count(rating) AS rated, total(feedback) AS feedback,
  json_group_array(ms) AS ms, min(start_time) AS first FROM (${inner}) GROUP BY day, chain, version, model, tier`;
const trendsStatements: Array<[string, string]> = [
  ["before: flattened (rating looked up twice)", grouped(`SELECT ${columns}, ${lookups} ${window}`)],
  ["now: LIMIT -1 (each lookup once)", grouped(`SELECT ${columns}, ${lookups} ${window} LIMIT -1`)],
  [
    "one grouped feedback query, joined",
    `WITH fb AS MATERIALIZED (SELECT run_id, avg(CASE WHEN key = 'rating' THEN score END) AS rating, count(*) AS n
      FROM feedback GROUP BY run_id) ${grouped(
        `SELECT ${columns}, fb.rating AS rating, coalesce(fb.n, 0) AS feedback
         FROM runs AS r INDEXED BY runs_session_root_trends LEFT JOIN fb ON fb.run_id = r.id
         WHERE r.session_id = ? AND r.parent_run_id IS NULL AND r.start_time >= ? AND r.start_time < ?`,
      )}`,
  ],
  ["no feedback at all (floor)", grouped(`SELECT ${columns}, NULL AS rating, 0 AS feedback ${window}`)],
];
const trendsRows: string[][] = [];
const reference = JSON.stringify(db.prepare(trendsStatements[0]![1]).all(project, since, until));
const trendEntries = trendsStatements.map(([name, sql]) => {
  const statement = db.prepare(sql);
  const run = () => statement.all(project, since, until);
  if (!name.startsWith("no feedback") && JSON.stringify(run()) !== reference)
    throw new Error(`${name}: other rows`);
  return { name, run, samples: samples() };
});
for (let i = 0; i < SAMPLES; i++) {
  const order = i % 2 === 0 ? trendEntries : [...trendEntries].reverse();
  for (const entry of order) timed(entry.samples, entry.run);
}
for (const entry of trendEntries)
  trendsRows.push([entry.name, p50(entry.samples.wall), p50(entry.samples.cpu)]);
const whole = samples();
for (let i = 0; i < SAMPLES; i++)
  timed(whole, () => JSON.stringify(queryTrends(db, { project, days: 30, until })));
trendsRows.push(["queryTrends now (+ JSON)", p50(whole.wall), p50(whole.cpu)]);
const feedbackRows = Number(db.prepare("SELECT count(*) AS n FROM feedback").get()?.n);
const loadAfterQueries = loadNote();
db.close();
rmSync(dir, { recursive: true, force: true });

const per100k = (ms: number) => fmt(((ms / roots) * 100_000) / 1000, 2);
process.stdout.write(
  `${machineNotes()}\nafter the fill: ${loadAfterFill}\nafter the queries: ${loadAfterQueries}\n\n`,
);
process.stdout.write(
  `${RUNS.toLocaleString("en")} runs (${roots.toLocaleString("en")} roots, ${feedbackRows.toLocaleString("en")} feedback) written at schema 14 in ${genSeconds.toFixed(1)} s; database file ${mb(dbBytes)} MB\n\n`,
);
process.stdout.write(
  `${markdownTable(
    [
      "fill of the roots' tier and Trends' values",
      "wall s",
      "CPU s",
      "s per 100k roots (wall / CPU)",
      "longest write lock s",
      "largest WAL MB",
    ],
    [
      [
        "migrations 15 + 16 as before (one transaction each)",
        fmt(oldFill.wall / 1000, 1),
        fmt(oldFill.cpu / 1000, 1),
        `${per100k(oldFill.wall)} / ${per100k(oldFill.cpu)}`,
        fmt(oldFill.longestMs / 1000, 2),
        mb(oldFill.wal),
      ],
      [
        `migrations 15–17 + fill at open (${newFill.chunks} chunks)`,
        fmt(newFill.wall / 1000, 1),
        fmt(newFill.cpu / 1000, 1),
        `${per100k(newFill.wall)} / ${per100k(newFill.cpu)}`,
        `${fmt(migrationsMs / 1000, 2)} (migrations), ${fmt(newFill.longestMs / 1000, 2)} (a chunk)`,
        mb(newFill.wal),
      ],
    ],
  )}\n\n`,
);
process.stdout.write(
  `${markdownTable(
    [
      "queryRunPage (+ JSON), paired",
      "rows",
      "metadata p50 ms",
      "metadata CPU p50",
      "stored p50 ms",
      "stored CPU p50",
    ],
    pageRows,
  )}\n\n`,
);
process.stdout.write(
  `${markdownTable(["Trends' statement (.all()), 30 days, paired", "p50 ms", "CPU p50 ms"], trendsRows)}\n`,
);
