import type { SQLInputValue } from "node:sqlite";

/** What the run filter compiler (run-filter.ts) lends the comparators kept in their own files. */
export interface RunFilterContext {
  /** The alias of the `runs` table in the query. */
  alias: string;
  /** The query's bound parameters, in order: each comparator pushes its own. */
  params: SQLInputValue[];
  /** The run's `extra` when it is valid JSON, else NULL (as SQL). */
  validExtra: string;
  /** Refuses the filter with a 422 that names `what`. */
  fail(what: string): never;
}
