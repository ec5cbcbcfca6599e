import type { DatabaseSync } from "node:sqlite";
import { answeringTierSql } from "./answering-tier.ts";
import { trendAssignmentsSql } from "./trend-columns.ts";

/** The partial index of the root runs whose tier or Trends' values were never stored (migration 17). */
export const UNDERIVED_ROOTS_INDEX = "runs_root_underived";

/**
 * SQL true for a root run of `alias` whose tier (migration 15) or Trends' values (migration 16)
 * were never computed: the runs stored before those migrations, and the roots a studio older than
 * them wrote since. Once computed, the tier is never NULL and `trend_failed` is 0 or 1, so NULL
 * marks "not computed".
 */
export function underivedRootSql(alias: string): string {
  return `${alias}.parent_run_id IS NULL AND (${alias}.trend_failed IS NULL OR ${alias}.answering_tier IS NULL)`;
}

/** How much one transaction of {@link fillUnderivedRoots} fills: whichever bound comes first. */
export interface FillChunk {
  /** Root runs per transaction. */
  roots: number;
  /** Bytes of those roots' rows (their JSON and error columns) per transaction, past the first root. */
  bytes: number;
}

/**
 * 2,000 roots or 16 MiB of their rows per transaction. Each filled root's row is written again
 * whole (its inputs, outputs and metadata with it), so what one transaction adds to the WAL is
 * about the bytes of its roots: 16 MiB bounds it whatever the runs' sizes, and 2,000 roots keep a
 * commit per ~0.15 s of filling, short enough for another process's write to get in between.
 */
export const FILL_CHUNK: FillChunk = { roots: 2_000, bytes: 16 * 1024 * 1024 };

/** How {@link fillUnderivedRoots} goes: `chunk` bounds each transaction, `onChunk` hears of each commit. */
export interface FillOptions {
  chunk?: FillChunk;
  /** Called after each committed chunk with the roots filled so far (for progress, and tests). */
  onChunk?: (filled: number) => void;
  /** Starts each chunk's transaction (default `BEGIN IMMEDIATE`, waiting out the busy timeout). */
  begin?: () => void;
}

/**
 * Stores the tier and Trends' values of the root runs that lack them, found through
 * {@link UNDERIVED_ROOTS_INDEX} (a read of an empty index when there are none): every root of a
 * database that migrations 15 and 16 just gave the columns (they add them and their indexes, and
 * leave the filling to this), and the roots an older studio sharing the file wrote since.
 *
 * In chunks of bounded size ({@link FILL_CHUNK}), each in its own transaction: the WAL holds one
 * chunk's rewritten rows at a time, not every root's (one transaction over a multi-GB file made
 * the WAL as large as the runs table), and a process killed mid-way loses only the chunk under way;
 * the next open goes on from the roots still in the index. Returns how many roots it filled.
 * It goes once through the index in rowid order: a root that enters it behind the fill's cursor
 * while it runs (rewritten by an older studio, migration 18) waits for the next open, read from its
 * metadata by the runs page's filters meanwhile (run-page-query.ts).
 * Not to be called inside a transaction.
 */
export function fillUnderivedRoots(db: DatabaseSync, options: FillOptions = {}): number {
  const { chunk = FILL_CHUNK, onChunk, begin = () => db.exec("BEGIN IMMEDIATE") } = options;
  const where = underivedRootSql("runs");
  // Each candidate's row size, in rowid order (the index holds them so: its key is the NULL
  // parent, then the rowid). octet_length reads a text's size from the record's header.
  const next = db.prepare(
    `SELECT rowid AS row, ${["inputs", "outputs", "extra", "error", "events", "serialized", "tags"]
      .map((column) => `coalesce(octet_length(${column}), 0)`)
      .join(" + ")} AS bytes
      FROM runs INDEXED BY ${UNDERIVED_ROOTS_INDEX} WHERE ${where} AND rowid > ? ORDER BY rowid LIMIT ?`,
  );
  const update = db.prepare(
    `UPDATE runs INDEXED BY ${UNDERIVED_ROOTS_INDEX}
      SET answering_tier = (${answeringTierSql("runs")}), ${trendAssignmentsSql()}
      WHERE ${where} AND rowid > ? AND rowid <= ?`,
  );
  let filled = 0;
  // Past the last chunk's rowids. A filled root cannot come out underived again: the tier's CASE
  // ends in ELSE 'none', and trend_failed is 0 or 1 (error IS NOT NULL, OR a comparison with the
  // outcome, which falls back to the NOT NULL status column). The cursor makes sure anyway that a
  // rule changed to break this could not keep the fill on the same chunk forever.
  let after = 0;
  for (;;) {
    begin();
    let changed = 0;
    try {
      const rows = next.all(after, chunk.roots);
      let last: number | undefined;
      let bytes = 0;
      for (const row of rows) {
        if (last !== undefined && bytes + Number(row.bytes) > chunk.bytes) break;
        bytes += Number(row.bytes);
        last = Number(row.row);
      }
      if (last !== undefined) {
        changed = Number(update.run(after, last).changes);
        after = last;
      }
      db.exec("COMMIT");
    } catch (error) {
      db.exec("ROLLBACK");
      throw error;
    }
    if (changed === 0) return filled;
    filled += changed;
    onChunk?.(filled);
  }
}
