// Full-text search on the studio's runs page at 1,000,000 runs: the FTS5 trigram index (studio
// migration 10) against the scan it replaced, paired in one run (interleaved rounds); the time
// migration 10 takes to index the runs a database already holds; the other page queries; and
// ingestion through the store's write path with and without the index. See bench/RESULTS.md
// ("Studio web page: full-text search").
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createStudioApp, StudioStore } from "@catena/studio";
import { loadNodeSqlite } from "../../packages/studio/src/store/load-node-sqlite.ts";
import { applyMigrations, migrations } from "../../packages/studio/src/store/migrations.ts";
import { queryRunPage } from "../../packages/studio/src/store/run-page-query.ts";
import { queryRuns } from "../../packages/studio/src/store/run-query.ts";
import type { RunSearchPath } from "../../packages/studio/src/store/run-search.ts";
import { fmt, loadNote, machineNotes, markdownTable, numberArg, percentile } from "../lib/report.ts";
import { pageFilterQueries, writePageRuns } from "./page-runs.ts";
import { searchIngestTable } from "./search-ingest.ts";

const RUNS = numberArg("runs", 1_000_000);
const SAMPLES = numberArg("samples", 10);
const ROUNDS = numberArg("rounds", 2);
const INGEST = numberArg("ingest", 10_000);
const INGEST_ROUNDS = numberArg("ingest-rounds", 3);
const dir = mkdtempSync(join(tmpdir(), "catena-search-bench-"));

const fileMiB = (path: string) =>
  [path, `${path}-wal`].reduce((sum, p) => sum + (existsSync(p) ? statSync(p).size : 0), 0) / 2 ** 20;

// 1. A database at schema 9, before the index, with the page benchmark's runs.
const dbPath = join(dir, "studio.db");
const genStart = performance.now();
const raw = new (loadNodeSqlite().DatabaseSync)(dbPath);
raw.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL");
applyMigrations(
  raw,
  migrations.filter((m) => m.version < 10),
);
const sessions = Array.from({ length: 4 }, () => randomUUID());
sessions.forEach((id, i) => {
  raw
    .prepare("INSERT INTO sessions (id, name, start_time) VALUES (?, ?, ?)")
    .run(id, `bench-${i}`, new Date().toISOString());
});
const { mid } = writePageRuns(raw, sessions, RUNS);
raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
raw.close();
const genSeconds = (performance.now() - genStart) / 1000;
const sizeBefore = fileMiB(dbPath);

// 2. Migration 10 indexes the stored roots when the studio opens the file.
const cpu0 = process.cpuUsage();
const migStart = performance.now();
const store = StudioStore.open(dbPath);
const migSeconds = (performance.now() - migStart) / 1000;
const migCpu = process.cpuUsage(cpu0);
store.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
const sizeAfter = fileMiB(dbPath);
const indexed = Number(
  store.db.prepare("SELECT count(*) AS n FROM runs WHERE parent_run_id IS NULL").get()?.n,
);
const project = sessions[0] as string;

// 3. Searches, both paths through the same query function, interleaved; then server time. The
// machine is shared, so each sample also records the process's CPU time.
const searches: Array<[string, string]> = [
  ["common word (1 root in 9)", "printer"],
  ["rare text (1 root)", 'order 12345"'],
  ["a few roots (order 1234…)", "order 1234"],
  ["no root has it (child runs do)", "step 3 of 12345"],
  ["2 characters (no index: scan)", "zq"],
];
interface Samples {
  wall: number[];
  cpu: number[];
  rows: number;
}
const samples = (): Samples => ({ wall: [], cpu: [], rows: 0 });
async function timed<T>(into: Samples, fn: () => T | Promise<T>): Promise<T> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const value = await fn();
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
    2,
  );
const pageOf = (search: string, path?: RunSearchPath) =>
  JSON.parse(
    JSON.stringify(
      queryRunPage(store.db, { project, search, limit: 50 }, path === undefined ? {} : { searchPath: path }),
    ),
  ) as { runs: unknown[] };
const paired = new Map(searches.map(([name]) => [name, { index: samples(), scan: samples() }]));
for (const [, text] of searches) {
  pageOf(text);
  pageOf(text, "scan");
}
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, text] of searches) {
    const entry = paired.get(name)!;
    for (let i = 0; i < SAMPLES; i++) {
      const a = await timed(entry.index, () => pageOf(text));
      const b = await timed(entry.scan, () => pageOf(text, "scan"));
      if (JSON.stringify(a) !== JSON.stringify(b))
        throw new Error(`${name}: the index and the scan found other rows`);
      entry.index.rows = a.runs.length;
    }
  }
}
const pairedRows = searches.map(([name]) => {
  const { index, scan } = paired.get(name)!;
  return [
    name,
    String(index.rows),
    p(index.wall, 50),
    p(index.wall, 95),
    p(index.cpu, 50),
    p(scan.wall, 50),
    p(scan.wall, 95),
    p(scan.cpu, 50),
  ];
});

const app = createStudioApp(store, { bodyLimitBytes: 1 << 24, publicUrl: "http://127.0.0.1" });
async function request(path: string, into?: Samples): Promise<unknown> {
  const send = async () => {
    const response = await app.request(`http://127.0.0.1${path}`, { headers: { host: "127.0.0.1" } });
    const body = await response.json();
    if (response.status !== 200) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
    return body;
  };
  return into === undefined ? send() : timed(into, send);
}
let cursor = "";
for (let i = 0; i < 100; i++) {
  const body = await request(`/catena/runs?project=${project}&limit=50${cursor ? `&cursor=${cursor}` : ""}`);
  cursor = (body as { next: string }).next;
}
// The second page of a common word's results, by its cursor.
const common = (await request(`/catena/runs?project=${project}&limit=50&q=printer`)) as { next: string };
const pageQueries: Array<[string, string]> = [
  ...pageFilterQueries(cursor, mid),
  ...searches.map(([name, text]): [string, string] => [`search, ${name}`, `&q=${encodeURIComponent(text)}`]),
  ["search, common word + chain", "&q=printer&chain=triage"],
  ["search, common word, page 2 (cursor)", `&q=printer&cursor=${common.next}`],
];
const serverTimes = new Map(pageQueries.map(([name]) => [name, samples()]));
for (const [, extra] of pageQueries) await request(`/catena/runs?project=${project}&limit=50${extra}`);
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, extra] of pageQueries) {
    const entry = serverTimes.get(name)!;
    for (let i = 0; i < SAMPLES; i++) {
      const body = await request(`/catena/runs?project=${project}&limit=50${extra}`, entry);
      entry.rows = (body as { runs: unknown[] }).runs.length;
    }
  }
}
const serverRows = pageQueries.map(([name]) => {
  const e = serverTimes.get(name)!;
  return [name, String(e.rows), p(e.wall, 50), p(e.wall, 95), p(e.cpu, 50)];
});

// LangSmith's search() filter through POST /runs/query's store function (roots of the project).
const filterRows: string[][] = [];
for (const [name, filter] of [
  ["search() filter, rare text", 'search("order 12345\\"")'],
  ["search() filter, a few roots", 'search("order 1234")'],
] as const) {
  const entry = samples();
  for (let i = 0; i < SAMPLES * ROUNDS; i++) {
    await timed(entry, () =>
      queryRuns(store.db, { session: [project], isRoot: true, filter, limit: 100, order: "desc" }),
    );
  }
  filterRows.push([name, p(entry.wall, 50), p(entry.wall, 95), p(entry.cpu, 50)]);
}
const loadAfterQueries = loadNote();
store.close();

// 4. Ingestion through RunStore.ingest with and without the index (search-ingest.ts).
const ingestTable = searchIngestTable(dir, INGEST, INGEST_ROUNDS);
rmSync(dir, { recursive: true, force: true });

process.stdout.write(`${machineNotes()}\nafter the queries: ${loadAfterQueries}\n\n`);
process.stdout.write(
  `${RUNS.toLocaleString("en")} runs written at schema 9 in ${genSeconds.toFixed(1)} s (${fmt(sizeBefore, 0)} MiB); ` +
    `migration 10 indexed ${indexed.toLocaleString("en")} root runs in ${migSeconds.toFixed(1)} s ` +
    `(CPU ${((migCpu.user + migCpu.system) / 1e6).toFixed(1)} s); file ${fmt(sizeAfter, 0)} MiB after\n\n`,
);
process.stdout.write(
  `${markdownTable(["runs page search (queryRunPage + JSON), ms", "rows", "index p50", "index p95", "index CPU p50", "scan p50", "scan p95", "scan CPU p50"], pairedRows)}\n\n`,
);
process.stdout.write(
  `${markdownTable(["server time, in-process (app.request)", "rows", "p50 ms", "p95 ms", "CPU p50 ms"], serverRows)}\n\n`,
);
process.stdout.write(
  `${markdownTable(["POST /runs/query store function, roots of the project", "p50 ms", "p95 ms", "CPU p50 ms"], filterRows)}\n\n`,
);
process.stdout.write(`${ingestTable}\n`);
