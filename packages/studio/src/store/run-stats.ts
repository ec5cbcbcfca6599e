import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import { numberColumn, textColumn } from "./json-column.ts";
import type { FeedbackStat } from "./run-view.ts";

/** Which runs statistics are taken over: a condition on the `runs` table aliased `r`. */
export interface RunScope {
  sql: string;
  params: SQLInputValue[];
}

/** Statistics of a set of runs, with LangSmith's field names (`getRunStats`, project stats). */
export interface RunStats {
  run_count: number;
  /** Seconds from start to end, over the runs that ended; `null` when none did. */
  latency_p50: number | null;
  latency_p99: number | null;
  /** The share of runs with an error, in [0, 1]; `null` for no runs. */
  error_rate: number | null;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_cost: number | null;
  completion_cost: number | null;
  total_cost: number | null;
  /** Per feedback key on these runs: count, mean score and counts per value. */
  feedback_stats: Record<string, FeedbackStat>;
  last_run_start_time: string | null;
}

/**
 * Counts, latency percentiles (linear interpolation, as numpy's default), error rate, the runs' own
 * tokens and costs summed, and feedback statistics, over the runs in `scope`.
 */
export function runStats(db: DatabaseSync, scope: RunScope): RunStats {
  const totals = db
    .prepare(
      `SELECT COUNT(*) AS n, SUM(r.error IS NOT NULL) AS errors, MAX(r.start_time) AS last,
         SUM(r.prompt_tokens) AS prompt_tokens, SUM(r.completion_tokens) AS completion_tokens,
         SUM(r.total_tokens) AS total_tokens, SUM(r.prompt_cost) AS prompt_cost,
         SUM(r.completion_cost) AS completion_cost, SUM(r.total_cost) AS total_cost
       FROM runs AS r WHERE ${scope.sql}`,
    )
    .get(...scope.params);
  // unixepoch(..., 'subsec') keeps sub-millisecond precision where julianday's doubles do not.
  const latencies = db
    .prepare(
      `SELECT unixepoch(r.end_time, 'subsec') - unixepoch(r.start_time, 'subsec') AS s
       FROM runs AS r WHERE ${scope.sql} AND r.end_time IS NOT NULL AND r.start_time IS NOT NULL ORDER BY s`,
    )
    .all(...scope.params)
    .map((row) => Math.round(Number(row.s) * 1e6) / 1e6);
  const count = numberColumn(totals?.n) ?? 0;
  return {
    run_count: count,
    latency_p50: percentile(latencies, 0.5),
    latency_p99: percentile(latencies, 0.99),
    error_rate: count === 0 ? null : (numberColumn(totals?.errors) ?? 0) / count,
    prompt_tokens: numberColumn(totals?.prompt_tokens) ?? 0,
    completion_tokens: numberColumn(totals?.completion_tokens) ?? 0,
    total_tokens: numberColumn(totals?.total_tokens) ?? 0,
    prompt_cost: numberColumn(totals?.prompt_cost),
    completion_cost: numberColumn(totals?.completion_cost),
    total_cost: numberColumn(totals?.total_cost),
    feedback_stats: feedbackStatsOf(db, scope),
    last_run_start_time: textColumn(totals?.last),
  };
}

/** The `q` quantile of ascending values, interpolated linearly (numpy's default); `null` for none. */
export function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  const a = sorted[low] as number;
  const b = sorted[high] as number;
  return Math.round((a + (b - a) * (at - low)) * 1e6) / 1e6;
}

function feedbackStatsOf(db: DatabaseSync, scope: RunScope): Record<string, FeedbackStat> {
  return feedbackStatsWhere(db, `JOIN runs AS r ON r.id = f.run_id WHERE ${scope.sql}`, scope.params);
}

/**
 * Statistics of the feedback on a project itself rather than on one of its runs: what `evaluate()`'s
 * summary evaluators log (`createFeedback(null, key, { projectId })`), which LangSmith reports as
 * the project's `session_feedback_stats`.
 */
export function sessionFeedbackStats(db: DatabaseSync, sessionId: string): Record<string, FeedbackStat> {
  return feedbackStatsWhere(db, "WHERE f.run_id IS NULL AND f.session_id = ?", [sessionId]);
}

// `where` reads the feedback aliased `f` (and may join what it needs before its WHERE).
function feedbackStatsWhere(
  db: DatabaseSync,
  where: string,
  params: SQLInputValue[],
): Record<string, FeedbackStat> {
  const out: Record<string, FeedbackStat> = {};
  const counts = db
    .prepare(`SELECT f.key, COUNT(*) AS n, AVG(f.score) AS avg FROM feedback AS f ${where} GROUP BY f.key`)
    .all(...params);
  for (const row of counts) {
    out[String(row.key)] = { n: numberColumn(row.n) ?? 0, avg: numberColumn(row.avg), values: {} };
  }
  const values = db
    .prepare(
      `SELECT f.key, f.value, COUNT(*) AS n FROM feedback AS f ${where} AND f.value IS NOT NULL GROUP BY f.key, f.value`,
    )
    .all(...params);
  for (const row of values) {
    const stat = out[String(row.key)];
    const raw = textColumn(row.value);
    if (stat === undefined || raw === null) continue;
    const parsed: unknown = JSON.parse(raw);
    stat.values[typeof parsed === "string" ? parsed : raw] = numberColumn(row.n) ?? 0;
  }
  return out;
}
