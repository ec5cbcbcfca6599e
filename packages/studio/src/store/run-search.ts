import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import { runRowidOfSearchRow } from "./run-search-index.ts";

/** A run field that full-text search reads. */
export type RunSearchField = "name" | "inputs" | "outputs" | "error";

/**
 * How many root runs the search index may name before a search reads the runs instead: up to
 * this many, the query looks the candidates up by rowid and sorts them (a few ms at 2,000); past
 * it, the text is common enough that walking the runs newest first finds a page of matches soon.
 */
export const SEARCH_CANDIDATE_LIMIT = 2000;

/**
 * How a search was compiled: `index` when the search index named at most
 * {@link SEARCH_CANDIDATE_LIMIT} candidates (the query should then start from them), `scan` when
 * every run is read and tested.
 */
export type RunSearchPath = "index" | "scan";

/** A search condition in SQL over the run table under an alias, with its bound parameters. */
export interface CompiledRunSearch {
  sql: string;
  params: SQLInputValue[];
  path: RunSearchPath;
}

/** Options of {@link compileRunSearch}. */
export interface RunSearchOptions {
  /** The query reads root runs only, so a run outside the index (a child) needs no scan. */
  rootsOnly?: boolean;
  /** Forces a path (the benchmark and the tests compare them); by default the index decides. */
  path?: RunSearchPath;
}

/**
 * Compiles "one of `fields` contains `text`, ignoring the case of ASCII letters" over the run table
 * aliased `alias`.
 *
 * Root runs are in the FTS5 index `runs_search` (trigram tokenizer, migration 10), which finds a
 * substring of 3 or more characters without reading the runs. The index is asked first, for at
 * most {@link SEARCH_CANDIDATE_LIMIT} + 1 rowids: if it names that few, the condition is "rowid
 * among them" (child runs, which the index leaves out, are tested as before), and the query can
 * start from them. A shorter text, or one that common, is tested on each run, which stops early in
 * a newest-first walk because matches are dense.
 *
 * The test on each run (`instr` over each lower-cased field) is applied on both paths: the index
 * only narrows the runs to test (it also folds non-ASCII case, so it names a few more), and both
 * paths find exactly the same runs.
 */
export function compileRunSearch(
  db: DatabaseSync,
  alias: string,
  text: string,
  fields: readonly RunSearchField[],
  options: RunSearchOptions = {},
): CompiledRunSearch {
  const needle = text.toLowerCase();
  const scan = {
    sql: `(${fields.map((f) => `instr(lower(${alias}.${f}), ?) > 0`).join(" OR ")})`,
    params: fields.map(() => needle),
  };
  if (options.path === "scan" || [...text].length < 3) return { ...scan, path: "scan" };
  const rowids = searchCandidates(db, text, options.path === "index" ? undefined : SEARCH_CANDIDATE_LIMIT);
  if (rowids === undefined) return { ...scan, path: "scan" };
  const among = `${alias}.rowid IN (SELECT value FROM json_each(?))`;
  const where = options.rootsOnly === true ? among : `(${alias}.parent_run_id IS NOT NULL OR ${among})`;
  return { sql: `${where} AND ${scan.sql}`, params: [JSON.stringify(rowids), ...scan.params], path: "index" };
}

/**
 * The rowids of the root runs whose name, inputs, outputs or error contain `text` (3 or more
 * characters, any case) by the search index; `undefined` when there are more than `limit`.
 */
export function searchCandidates(
  db: DatabaseSync,
  text: string,
  limit = Number.MAX_SAFE_INTEGER,
): number[] | undefined {
  // One FTS5 phrase: inside double quotes every character is literal but the quote, doubled. No
  // column filter: it makes FTS5 read every position list (4x slower), and the caller tests the
  // fields anyway.
  const rows = db
    .prepare(
      `SELECT DISTINCT ${runRowidOfSearchRow} AS run FROM runs_search WHERE runs_search MATCH ? LIMIT ?`,
    )
    .all(`"${text.replaceAll('"', '""')}"`, Math.min(limit + 1, Number.MAX_SAFE_INTEGER));
  if (rows.length > limit) return undefined;
  return rows.map((row) => Number(row.run));
}
