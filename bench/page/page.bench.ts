// The studio's web page on a large database: server time of the runs page (`GET /catena/runs`,
// first page, a deep keyset page, each filter), opening a 50-step trace (`GET /catena/traces/{id}`),
// time to first render in Chromium, and the bundle size. The runs are written straight into SQLite
// (10 runs per trace, 70% in the queried project). See bench/RESULTS.md ("Studio web page").
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { createStudioApp, StudioStore, startStudio } from "@catena/studio";
import { launchChromium } from "../../tests/support/chromium.ts";
import { fmt, machineNotes, markdownTable, numberArg, percentile } from "../lib/report.ts";
import { pageFilterQueries, writePageRuns } from "./page-runs.ts";

const RUNS = numberArg("runs", 1_000_000);
const SAMPLES = numberArg("samples", 200);
const RENDERS = numberArg("renders", 15);
const dir = mkdtempSync(join(tmpdir(), "catena-page-bench-"));
const dbPath = join(dir, "studio.db");

/** The 4 projects of the runs and the runs themselves; returns the queried project and the long trace. */
function generate(store: StudioStore): { project: string; longTrace: string; mid: number } {
  const sessions = Array.from(
    { length: 4 },
    (_, i) => store.sessions.resolveForRun(undefined, `bench-${i}`) as string,
  );
  return { project: sessions[0] as string, ...writePageRuns(store.db, sessions, RUNS) };
}

async function timed(
  app: ReturnType<typeof createStudioApp>,
  path: string,
): Promise<{ ms: number; body: unknown }> {
  const t = performance.now();
  const response = await app.request(`http://127.0.0.1${path}`, { headers: { host: "127.0.0.1" } });
  const body = await response.json();
  const ms = performance.now() - t;
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
  return { ms, body };
}

async function sample(
  app: ReturnType<typeof createStudioApp>,
  path: string,
): Promise<{ p50: number; p95: number; rows: number }> {
  let rows = 0;
  for (let i = 0; i < 10; i++) await timed(app, path);
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const { ms, body } = await timed(app, path);
    times.push(ms);
    const b = body as { runs?: unknown[] };
    rows = b.runs?.length ?? 0;
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95), rows };
}

const genStart = performance.now();
const store = StudioStore.open(dbPath);
const { project, longTrace, mid } = generate(store);
const genSeconds = (performance.now() - genStart) / 1000;
const app = createStudioApp(store, { bodyLimitBytes: 1 << 24, publicUrl: "http://127.0.0.1" });

// A deep page: follow the cursor 100 pages (5,000 runs) down.
let cursor = "";
for (let i = 0; i < 100; i++) {
  const { body } = await timed(
    app,
    `/catena/runs?project=${project}&limit=50${cursor ? `&cursor=${cursor}` : ""}`,
  );
  cursor = (body as { next: string }).next;
}
const queries: Array<[string, string]> = [
  ...pageFilterQueries(cursor, mid),
  ["search, common word", "&q=printer"],
  ["search, rare text (search index)", "&q=order%2012345%22"],
];
const rows: string[][] = [];
for (const [name, extra] of queries) {
  const r = await sample(app, `/catena/runs?project=${project}&limit=50${extra}`);
  rows.push([name, String(r.rows), fmt(r.p50, 2), fmt(r.p95, 2)]);
}
const trace = await sample(app, `/catena/traces/${longTrace}`);
rows.push(["open a 50-step trace (GET /catena/traces/{id})", "50", fmt(trace.p50, 2), fmt(trace.p95, 2)]);
const trends = await sample(
  app,
  `/catena/stats/trends?project=${project}&days=1&until=${new Date(mid).toISOString()}`,
);
rows.push(["trends, 1 day of the project", "–", fmt(trends.p50, 2), fmt(trends.p95, 2)]);

// Time to first render in Chromium: navigation start to the first table row (runs page) or the
// step list (trace view), as the page's own performance clock measures it.
const server = await startStudio({ port: 0, host: "127.0.0.1", dbPath });
const browser = await launchChromium();
const renders: string[][] = [];
for (const [name, path, selector] of [
  ["runs page, first table row", `/o/local/projects/p/${project}`, "table[aria-label=Runs] tbody tr"],
  [
    "trace view (50 steps), step list",
    `/o/local/projects/p/${project}/r/${longTrace}`,
    "ol[aria-label=Steps] li",
  ],
] as const) {
  const times: number[] = [];
  for (let i = 0; i < RENDERS; i++) {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}${path}`);
    await page.locator(selector).first().waitFor();
    times.push(await page.evaluate(() => performance.now()));
    await page.close();
  }
  times.sort((a, b) => a - b);
  renders.push([name, fmt(percentile(times, 50), 0), fmt(percentile(times, 95), 0)]);
}
await browser.close();
await server.close();

const webDir = fileURLToPath(new URL("../../packages/studio/dist/web/", import.meta.url));
const sizes = ["app.js", "app.css", "index.html"].map((name) => {
  const path = join(webDir, name);
  if (!existsSync(path)) return [name, "missing", "–"];
  return [name, fmt(statSync(path).size / 1024, 1), fmt(gzipSync(readFileSync(path)).length / 1024, 1)];
});

store.close();
rmSync(dir, { recursive: true, force: true });

process.stdout.write(`${machineNotes()}\n\n`);
process.stdout.write(`${RUNS.toLocaleString("en")} runs generated in ${genSeconds.toFixed(1)} s\n\n`);
process.stdout.write(
  `${markdownTable(["server time, in-process (app.request)", "rows", "p50 ms", "p95 ms"], rows)}\n\n`,
);
process.stdout.write(
  `${markdownTable(["first render in Chromium (headless)", "p50 ms", "p95 ms"], renders)}\n\n`,
);
process.stdout.write(`${markdownTable(["bundle file", "KiB", "KiB gzipped"], sizes)}\n`);
