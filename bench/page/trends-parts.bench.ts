// Where queryTrends' CPU goes at 1,000,000 runs now that it reads the trend values each root stores
// (migration 16): the whole function, its statement alone, the statement without the two feedback
// lookups per root, without the latency lists, and the covering index's scan alone. CPU medians of
// 7 after a warm-up. See bench/RESULTS.md ("Studio web page: Trends' values stored").
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StudioStore } from "@catena/studio";
import { queryTrends } from "../../packages/studio/src/store/trends-query.ts";
import { loadNote, numberArg } from "../lib/report.ts";
import { writePageRuns } from "./page-runs.ts";

const dir = mkdtempSync(join(tmpdir(), "catena-trends-parts-"));
const RUNS = numberArg("runs", 1_000_000);
const store = StudioStore.open(join(dir, "s.db"));
const sessions = Array.from({ length: 4 }, () => randomUUID());
for (const [i, id] of sessions.entries())
  store.db.prepare("INSERT INTO sessions (id, name, start_time) VALUES (?, ?, ?)").run(id, `bench-${i}`, "x");
const { mid } = writePageRuns(store.db, sessions, RUNS);
const project = sessions[0] as string;
const until = new Date(mid + 16 * 86_400_000).toISOString();
const since = new Date(mid - 16 * 86_400_000).toISOString();
const cpu = (fn: () => unknown) => {
  const xs: number[] = [];
  fn();
  for (let i = 0; i < 7; i++) {
    const c = process.cpuUsage();
    fn();
    const u = process.cpuUsage(c);
    xs.push((u.user + u.system) / 1000);
  }
  return xs.sort((a, b) => a - b)[3]!.toFixed(1);
};
const inner = (
  fb: boolean,
) => `SELECT substr(r.start_time, 1, 10) AS day, r.start_time, r.trend_chain AS chain, r.trend_version AS version,
  r.trend_model AS model, r.answering_tier AS tier, r.trend_failed AS failed, r.trend_cost AS cost, r.trend_ms AS ms
  ${fb ? ", (SELECT avg(f.score) FROM feedback AS f WHERE f.run_id = r.id AND f.key = 'rating') AS rating, (SELECT count(*) FROM feedback AS f WHERE f.run_id = r.id) AS feedback" : ", NULL AS rating, 0 AS feedback"}
  FROM runs AS r INDEXED BY runs_session_root_trends WHERE r.session_id = ? AND r.parent_run_id IS NULL AND r.start_time >= ? AND r.start_time < ?`;
const grouped = (fb: boolean) =>
  store.db.prepare(`SELECT day, chain, version, model, tier, count(*) AS runs, sum(failed) AS errors, total(cost) AS cost,
    total(rating) AS rating_sum, count(rating) AS rated, total(feedback) AS feedback, json_group_array(ms) AS ms, min(start_time) AS first
    FROM (${inner(fb)}) GROUP BY day, chain, version, model, tier`);
const full = grouped(true);
const noFb = grouped(false);
const noMs =
  store.db.prepare(`SELECT day, chain, version, model, tier, count(*) AS runs, sum(failed), total(cost), total(rating), count(rating), total(feedback), min(start_time)
    FROM (${inner(true)}) GROUP BY day, chain, version, model, tier`);
const scan = store.db.prepare(`SELECT count(*) AS n FROM (${inner(false)})`);
process.stdout.write(`${loadNote()}\n`);
process.stdout.write(
  `queryTrends (+JSON) CPU p50 ${cpu(() => JSON.stringify(queryTrends(store.db, { project, days: 30, until })))} ms\n`,
);
process.stdout.write(`statement .all() ${cpu(() => full.all(project, since, until))} ms\n`);
process.stdout.write(`without feedback subqueries ${cpu(() => noFb.all(project, since, until))} ms\n`);
process.stdout.write(`without json_group_array(ms) ${cpu(() => noMs.all(project, since, until))} ms\n`);
process.stdout.write(`index scan, count only ${cpu(() => scan.all(project, since, until))} ms\n`);
process.stdout.write(`${loadNote()}\n`);
store.close();
rmSync(dir, { recursive: true, force: true });
