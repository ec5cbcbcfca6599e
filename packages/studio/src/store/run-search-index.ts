import type { DatabaseSync, StatementSync } from "node:sqlite";

/** A run's columns that the search index holds, as stored in the runs table (JSON text). */
export interface SearchedRunText {
  /** Only root runs are indexed. */
  root: boolean;
  name: string | null;
  inputs: string | null;
  outputs: string | null;
  error: string | null;
}

/**
 * The index row of a root run's name and inputs; its outputs and error are in the next row. Two
 * rows per root, so that a root is searchable from the moment it is created and its inputs are
 * tokenised once: the outputs that its end brings are added without re-indexing the inputs.
 */
export function searchRowOf(runRowid: number): number {
  return runRowid * 2;
}

/** The run rowid of an index row, in SQL: see {@link searchRowOf}. */
export const runRowidOfSearchRow = "(rowid >> 1)";

/**
 * Keeps the FTS5 index `runs_search` (migration 10) in step with the run writes of `RunStore`,
 * the only code that inserts or updates runs. Done here rather than by triggers: the store knows
 * the row before and after each write, so a write that changes none of the indexed text (every
 * child run, most patches) costs nothing, where an update trigger's program ran for each of them.
 * Deletions (project deletion, prune) go through the delete trigger.
 */
export class RunSearchIndex {
  readonly #insert: StatementSync;
  readonly #delete: StatementSync;

  constructor(db: DatabaseSync) {
    this.#insert = db.prepare(
      "INSERT INTO runs_search (rowid, name, inputs, outputs, error) VALUES (?, ?, ?, ?, ?)",
    );
    this.#delete = db.prepare("DELETE FROM runs_search WHERE rowid = ?");
  }

  /** Updates the index after the run at `runRowid` went from `before` (absent: created) to `after`. */
  write(runRowid: number, before: SearchedRunText | undefined, after: SearchedRunText): void {
    const was = before?.root === true ? before : undefined;
    const now = after.root ? after : undefined;
    const row = searchRowOf(runRowid);
    if (was === undefined || now === undefined || was.name !== now.name || was.inputs !== now.inputs) {
      if (was !== undefined) this.#delete.run(row);
      if (now !== undefined) this.#insert.run(row, now.name, now.inputs, null, null);
    }
    const hadEnd = was !== undefined && (was.outputs !== null || was.error !== null);
    const hasEnd = now !== undefined && (now.outputs !== null || now.error !== null);
    if (hadEnd && hasEnd && was.outputs === now.outputs && was.error === now.error) return;
    if (hadEnd) this.#delete.run(row + 1);
    if (hasEnd) this.#insert.run(row + 1, null, null, now.outputs, now.error);
  }
}
