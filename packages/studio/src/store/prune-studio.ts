import type { StudioStore } from "./studio-store.ts";
import { toStudioTimestamp } from "./studio-timestamp.ts";

/** What {@link pruneStudio} deleted (or, with `dryRun`, would delete). */
export interface PruneResult {
  /** Traces (root runs with everything under them) started before the cut-off. */
  traces: number;
  /** Runs of those traces, roots included. */
  runs: number;
  /** Feedback and feedback tokens on those runs. */
  feedback: number;
  /** Attachments of those runs. */
  attachments: number;
}

/**
 * Deletes every trace whose root run started before `before`: its runs, their attachments, their
 * feedback and feedback tokens. Projects, datasets and examples stay. One transaction, so a reader
 * never sees half a trace. The file only shrinks after {@link vacuumStudio}.
 *
 * @example
 * const store = StudioStore.open(defaultStudioDbPath());
 * pruneStudio(store, { before: new Date(Date.now() - 30 * 86_400_000) });
 */
export function pruneStudio(store: StudioStore, options: { before: Date; dryRun?: boolean }): PruneResult {
  const cutoff = toStudioTimestamp(options.before, "before");
  return store.transaction(() => {
    const db = store.db;
    db.exec("DROP TABLE IF EXISTS temp.prune_runs");
    // A root run is its own trace; runs sent without a trace id are matched as roots by their id.
    db.prepare(
      `CREATE TEMP TABLE prune_runs AS
         SELECT id FROM runs WHERE trace_id IN (
           SELECT COALESCE(trace_id, id) FROM runs WHERE parent_run_id IS NULL AND start_time < ?)
         UNION SELECT id FROM runs WHERE parent_run_id IS NULL AND start_time < ?`,
    ).run(cutoff, cutoff);
    const count = (sql: string): number => Number(db.prepare(sql).get()?.n ?? 0);
    const result: PruneResult = {
      traces: count(
        "SELECT count(*) AS n FROM runs WHERE parent_run_id IS NULL AND id IN (SELECT id FROM temp.prune_runs)",
      ),
      runs: count("SELECT count(*) AS n FROM temp.prune_runs"),
      feedback:
        count("SELECT count(*) AS n FROM feedback WHERE run_id IN (SELECT id FROM temp.prune_runs)") +
        count("SELECT count(*) AS n FROM feedback_tokens WHERE run_id IN (SELECT id FROM temp.prune_runs)"),
      attachments: count(
        "SELECT count(*) AS n FROM run_attachments WHERE run_id IN (SELECT id FROM temp.prune_runs)",
      ),
    };
    if (options.dryRun !== true) {
      for (const table of ["feedback", "feedback_tokens", "run_attachments"]) {
        db.exec(`DELETE FROM ${table} WHERE run_id IN (SELECT id FROM temp.prune_runs)`);
      }
      // Each project's count, one update per project (not per run, as a trigger would).
      db.exec(`UPDATE sessions SET run_count = run_count - pruned.n
         FROM (SELECT session_id, count(*) AS n FROM runs
               WHERE id IN (SELECT id FROM temp.prune_runs) AND session_id IS NOT NULL
               GROUP BY session_id) AS pruned
         WHERE sessions.id = pruned.session_id`);
      db.exec("DELETE FROM runs WHERE id IN (SELECT id FROM temp.prune_runs)");
    }
    db.exec("DROP TABLE temp.prune_runs");
    return result;
  });
}

/**
 * Gives the space of deleted rows back to the file system (SQLite `VACUUM`, then a WAL checkpoint).
 * Needs the database to itself: while another process (a running `catena studio`) uses it, SQLite
 * refuses with "database is locked" and this throws.
 */
export function vacuumStudio(store: StudioStore): void {
  store.db.exec("VACUUM");
  store.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}
