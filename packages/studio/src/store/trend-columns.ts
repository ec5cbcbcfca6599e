import type { DatabaseSync } from "node:sqlite";
import { readableMetadataSql as metadataSql } from "./json-column.ts";

/**
 * What Trends groups and sums per root run, as SQL over run `alias`'s own columns and metadata:
 * its chain, version and model (as `json_extract` gives them, so a number stays a number), whether
 * it failed, its cost (its own `total_cost`, else the tracer's `metadata.cost_usd`, else 0) and its
 * latency (the tracer's `metadata.ms`, else end minus start). Each root stores them in the column
 * of the same name (migration 16, filled at open for the roots stored before it, kept by RunStore on every write of a root): they depend on the
 * root's row only, never on its children, so a child arriving late changes none of them. Metadata
 * SQLite cannot read (nested too deep) counts as none.
 */
export function trendValuesSql(alias: string): Record<TrendColumn, string> {
  return {
    trend_chain: metadataSql(alias, "chain"),
    trend_version: metadataSql(alias, "version"),
    trend_model: metadataSql(alias, "model"),
    // The outcome as the runs page reads it (run-page-query.ts outcomeSql), of readable metadata only.
    trend_failed: `${alias}.error IS NOT NULL OR coalesce(${metadataSql(alias, "status")}, ${alias}.status) = 'error'`,
    trend_cost: `coalesce(${alias}.total_cost, ${metadataSql(alias, "cost_usd")}, 0)`,
    trend_ms: `coalesce(${metadataSql(alias, "ms")}, (julianday(${alias}.end_time) - julianday(${alias}.start_time)) * 86400000)`,
  };
}

/** The columns of `runs` that hold a root's {@link trendValuesSql} (NULL on child runs). */
export const TREND_COLUMNS = [
  "trend_chain",
  "trend_version",
  "trend_model",
  "trend_failed",
  "trend_cost",
  "trend_ms",
] as const;

/** One of {@link TREND_COLUMNS}. */
export type TrendColumn = (typeof TREND_COLUMNS)[number];

/** `SET` assignments that store the trend values of the row being updated in `runs`. */
export function trendAssignmentsSql(): string {
  const values = trendValuesSql("runs");
  return TREND_COLUMNS.map((column) => `${column} = (${values[column]})`).join(", ");
}

/** Root runs per statement of {@link storeTrendValues}. */
const TREND_BACKFILL_CHUNK = 50_000;

/**
 * Stores the trend values of every root run, `chunk` rowids per statement, all in the caller's
 * transaction if any: for the benches that write runs straight into SQLite. A database's own roots
 * are filled at open, a bounded chunk per transaction (underived-roots.ts).
 */
export function storeTrendValues(db: DatabaseSync, chunk = TREND_BACKFILL_CHUNK): void {
  const update = db.prepare(
    `UPDATE runs SET ${trendAssignmentsSql()} WHERE rowid > ? AND rowid <= ? AND parent_run_id IS NULL`,
  );
  const last = Number(db.prepare("SELECT coalesce(max(rowid), 0) AS n FROM runs").get()?.n ?? 0);
  for (let from = 0; from < last; from += chunk) update.run(from, from + chunk);
}
