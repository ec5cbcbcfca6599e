// Full-text search on the studio's runs page at 1,000,000 runs: the FTS5 trigram index (studio
// migration 10) against the scan it replaced, paired in one run (interleaved rounds); the time
// migration 10 takes to index the runs a database already holds; the other page queries; and
// ingestion through the store's write path with and without the index. See bench/RESULTS.md
// ("Studio web page: full-text search").
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createStudioApp, type RunOperation, StudioStore } from "@catena/studio";
import { loadNodeSqlite } from "../../packages/studio/src/store/load-node-sqlite.ts";
import { applyMigrations, migrations } from "../../packages/studio/src/store/migrations.ts";
import { queryRunPage, type RunPageQuery } from "../../packages/studio/src/store/run-page-query.ts";
import { queryRuns } from "../../packages/studio/src/store/run-query.ts";
import type { RunSearchPath } from "../../packages/studio/src/store/run-search.ts";
import { fmt, loadNote, machineNotes, markdownTable, median, numberArg, percentile } from "../lib/report.ts";
import { writePageRuns } from "./page-runs.ts";

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

// 3. Searches, both paths through the same query function, interleaved; then server time.
const searches: Array<[string, string]> = [
  ["common word (1 root in 9)", "printer"],
  ["rare text (1 root)", 'order 12345"'],
  ["a few roots (11)", "order 1234,"],
  ["no root has it (child runs do)", "step 3 of 12345"],
  ["2 characters (no index: scan)", "zq"],
];
function storeTime(search: string, path: RunSearchPath | undefined): { ms: number; rows: number } {
  const t = performance.now();
  const page = queryRunPage(
    store.db,
    { project, search, limit: 50 },
    path === undefined ? {} : { searchPath: path },
  );
  JSON.stringify(page);
  return { ms: performance.now() - t, rows: page.runs.length };
}
const paired = new Map<string, { index: number[]; scan: number[]; rows: number }>();
for (const [name, text] of searches) {
  storeTime(text, undefined);
  storeTime(text, "scan");
  paired.set(name, { index: [], scan: [], rows: 0 });
}
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, text] of searches) {
    const entry = paired.get(name)!;
    for (let i = 0; i < SAMPLES; i++) {
      const a = storeTime(text, undefined);
      const b = storeTime(text, "scan");
      entry.index.push(a.ms);
      entry.scan.push(b.ms);
      if (a.rows !== b.rows) throw new Error(`${name}: the index found ${a.rows} rows, the scan ${b.rows}`);
      entry.rows = a.rows;
    }
  }
}
const pairedRows = searches.map(([name]) => {
  const e = paired.get(name)!;
  const index = [...e.index].sort((a, b) => a - b);
  const scan = [...e.scan].sort((a, b) => a - b);
  return [
    name,
    String(e.rows),
    fmt(percentile(index, 50), 2),
    fmt(percentile(index, 95), 2),
    fmt(percentile(scan, 50), 2),
    fmt(percentile(scan, 95), 2),
  ];
});

const app = createStudioApp(store, { bodyLimitBytes: 1 << 24, publicUrl: "http://127.0.0.1" });
async function request(path: string): Promise<{ ms: number; body: unknown }> {
  const t = performance.now();
  const response = await app.request(`http://127.0.0.1${path}`, { headers: { host: "127.0.0.1" } });
  const body = await response.json();
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
  return { ms: performance.now() - t, body };
}
let cursor = "";
for (let i = 0; i < 100; i++) {
  const { body } = await request(
    `/catena/runs?project=${project}&limit=50${cursor ? `&cursor=${cursor}` : ""}`,
  );
  cursor = (body as { next: string }).next;
}
const hour = new Date(mid).toISOString();
const hourEnd = new Date(mid + 3_600_000).toISOString();
const pageQueries: Array<[string, string]> = [
  ["first page (50 newest root runs)", ""],
  ["page 101 (keyset cursor)", `&cursor=${cursor}`],
  ["status = deferred (5%)", "&status=deferred"],
  ["chain + version", "&chain=triage&version=1.0.0"],
  ["tier = llm + model", "&tier=llm&model=gpt-4o-mini"],
  ["feedback rating >= 4", "&feedback_key=rating&score_min=4"],
  ["time range (1 hour)", `&from=${hour}&to=${hourEnd}`],
  ...searches.map(([name, text]): [string, string] => [`search, ${name}`, `&q=${encodeURIComponent(text)}`]),
  ["search, common word + chain", "&q=printer&chain=triage"],
  ["search, rare text, page 2 of a common word", ""],
];
// The second page of a common word's results, by its cursor.
const common = await request(`/catena/runs?project=${project}&limit=50&q=printer`);
pageQueries[pageQueries.length - 1] = [
  "search, common word, page 2 (cursor)",
  `&q=printer&cursor=${(common.body as { next: string }).next}`,
];
const serverTimes = new Map<string, { times: number[]; rows: number }>(
  pageQueries.map(([n]) => [n, { times: [], rows: 0 }]),
);
for (const [, extra] of pageQueries) await request(`/catena/runs?project=${project}&limit=50${extra}`);
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, extra] of pageQueries) {
    const entry = serverTimes.get(name)!;
    for (let i = 0; i < SAMPLES; i++) {
      const { ms, body } = await request(`/catena/runs?project=${project}&limit=50${extra}`);
      entry.times.push(ms);
      entry.rows = (body as { runs: unknown[] }).runs.length;
    }
  }
}
const serverRows = pageQueries.map(([name]) => {
  const e = serverTimes.get(name)!;
  const sorted = [...e.times].sort((a, b) => a - b);
  return [name, String(e.rows), fmt(percentile(sorted, 50), 2), fmt(percentile(sorted, 95), 2)];
});

// LangSmith's search() filter and `query` through POST /runs/query's store function (roots of the project).
const filterRows: string[][] = [];
for (const [name, filter] of [
  ["search() filter, rare text", 'search("order 12345\\"")'],
  ["search() filter, common word", 'search("printer")'],
] as const) {
  const times: number[] = [];
  for (let i = 0; i < SAMPLES * ROUNDS; i++) {
    const t = performance.now();
    queryRuns(store.db, { session: [project], isRoot: true, filter, limit: 100, order: "desc" });
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  filterRows.push([name, fmt(percentile(times, 50), 2), fmt(percentile(times, 95), 2)]);
}
const loadAfterQueries = loadNote();
store.close();

// 4. Ingestion through RunStore.ingest, as the SDK sends traces: roots and 9 children posted, then
// patched with outputs, 100 operations per transaction. "Without" drops the index's triggers,
// which is the write path before migration 10.
function ingestRound(withIndex: boolean, round: number): { runsPerSecond: number; cpuMs: number } {
  const s = StudioStore.open(join(dir, `ingest-${withIndex ? "with" : "without"}-${round}.db`));
  if (!withIndex) {
    for (const t of ["insert", "update", "delete"]) s.db.exec(`DROP TRIGGER runs_search_${t}`);
  }
  const ops: RunOperation[] = [];
  const t0 = Date.now() - 86_400_000;
  for (let t = 0; t < INGEST / 10; t++) {
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
  const cpu = process.cpuUsage();
  const t = performance.now();
  for (let i = 0; i < ops.length; i += 100) s.transaction(() => s.runs.ingest(ops.slice(i, i + 100)));
  const seconds = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  s.close();
  return { runsPerSecond: INGEST / seconds, cpuMs: (used.user + used.system) / 1000 };
}
const ingest = {
  with: [] as Array<{ runsPerSecond: number; cpuMs: number }>,
  without: [] as Array<{ runsPerSecond: number; cpuMs: number }>,
};
for (let round = 0; round < INGEST_ROUNDS; round++) {
  ingest.without.push(ingestRound(false, round));
  ingest.with.push(ingestRound(true, round));
}
const ingestRows = (["without", "with"] as const).map((k) => [
  `${k} the search index`,
  fmt(median(ingest[k].map((r) => r.runsPerSecond)), 0),
  fmt(median(ingest[k].map((r) => r.cpuMs)) / 1000, 2),
]);
rmSync(dir, { recursive: true, force: true });

process.stdout.write(`${machineNotes()}\nafter the queries: ${loadAfterQueries}\n\n`);
process.stdout.write(
  `${RUNS.toLocaleString("en")} runs written at schema 9 in ${genSeconds.toFixed(1)} s (${fmt(sizeBefore, 0)} MiB); ` +
    `migration 10 indexed ${indexed.toLocaleString("en")} root runs in ${migSeconds.toFixed(1)} s ` +
    `(CPU ${((migCpu.user + migCpu.system) / 1e6).toFixed(1)} s); file ${fmt(sizeAfter, 0)} MiB after\n\n`,
);
process.stdout.write(
  `${markdownTable(["runs page search, store time (queryRunPage + JSON)", "rows", "index p50", "index p95", "scan p50", "scan p95"], pairedRows)}\n\n`,
);
process.stdout.write(
  `${markdownTable(["server time, in-process (app.request)", "rows", "p50 ms", "p95 ms"], serverRows)}\n\n`,
);
process.stdout.write(
  `${markdownTable(["POST /runs/query store function, roots of the project", "p50 ms", "p95 ms"], filterRows)}\n\n`,
);
process.stdout.write(
  `${markdownTable([`ingest ${INGEST.toLocaleString("en")} runs (RunStore.ingest), median of ${INGEST_ROUNDS}`, "runs/s", "CPU s"], ingestRows)}\n`,
);
