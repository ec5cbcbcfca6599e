// What each period of Trends' page costs at 1,000,000 runs (the page offers 24 h, 7, 30 and 90
// days, served by queryTrends' `days`): the runs spread over 90 days, so that the longest period
// holds the queried project's 70,001 roots and the others a part of them. CPU and wall medians of
// 7 after a warm-up, of the store function and its JSON (what the route sends). See
// bench/RESULTS.md ("Studio web page: Trends' periods").
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StudioStore } from "@catena/studio";
import { studioNow, toStudioTimestamp } from "../../packages/studio/src/store/studio-timestamp.ts";
import { queryTrends } from "../../packages/studio/src/store/trends-query.ts";
import { loadNote, median, numberArg } from "../lib/report.ts";
import { writePageRuns } from "./page-runs.ts";

const dir = mkdtempSync(join(tmpdir(), "catena-trends-periods-"));
const RUNS = numberArg("runs", 1_000_000);
const SPAN_DAYS = 90;
const store = StudioStore.open(join(dir, "s.db"));
const sessions = Array.from({ length: 4 }, () => randomUUID());
for (const [i, id] of sessions.entries())
  store.db.prepare("INSERT INTO sessions (id, name, start_time) VALUES (?, ?, ?)").run(id, `bench-${i}`, "x");
const { mid } = writePageRuns(store.db, sessions, RUNS, { days: SPAN_DAYS });
const project = sessions[0] as string;
// The end of the span: the periods end there, as the page's end now.
// (In the studio's timestamp form, as the route turns the page's `until` into.)
const until = toStudioTimestamp(mid + (SPAN_DAYS / 2) * 86_400_000) ?? studioNow();
const roots = store.db.prepare(
  "SELECT count(*) AS n FROM runs WHERE session_id = ? AND parent_run_id IS NULL AND start_time >= ? AND start_time < ?",
);
process.stdout.write(`${loadNote()}\n`);
process.stdout.write(
  "| period | roots read | rows | bytes of JSON | CPU p50 ms | wall p50 ms |\n| --- | ---: | ---: | ---: | ---: | ---: |\n",
);
for (const [label, days] of [
  ["24 h", 1],
  ["7 days", 7],
  ["30 days", 30],
  ["90 days", 90],
] as const) {
  const run = () => JSON.stringify(queryTrends(store.db, { project, days, until }));
  const json = run();
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < 7; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    run();
    wall.push(performance.now() - t);
    const u = process.cpuUsage(c);
    cpu.push((u.user + u.system) / 1000);
  }
  const since = toStudioTimestamp(Date.parse(until) - days * 86_400_000);
  const n = Number(roots.get(project, since, until)?.n);
  const rows = (JSON.parse(json) as unknown[]).length;
  process.stdout.write(
    `| ${label} | ${n.toLocaleString("en")} | ${rows} | ${json.length.toLocaleString("en")} | ${median(cpu).toFixed(1)} | ${median(wall).toFixed(1)} |\n`,
  );
}
process.stdout.write(`${loadNote()}\n`);
store.close();
rmSync(dir, { recursive: true, force: true });
