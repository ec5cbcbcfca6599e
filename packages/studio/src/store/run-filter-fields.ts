/*
 * The vocabulary of the LangSmith run filter (run-filter.ts): its comparison and pattern functions,
 * the run fields it knows and where each is stored, and how a filter's value is bound for SQLite.
 */
import type { SQLInputValue } from "node:sqlite";
import type { Node } from "./filter-parser.ts";

/** The comparison functions and their SQL operators. */
export const comparisons: Record<string, string> = {
  eq: "=",
  neq: "!=",
  gt: ">",
  gte: ">=",
  lt: "<",
  lte: "<=",
};

/** `like` is case-sensitive (as LangSmith's), `ilike` is not; both take `%` and `_` wildcards. */
export const patterns: Record<string, "GLOB" | "LIKE"> = { like: "GLOB", ilike: "LIKE" };

/** The fields that name an entry of a run's inputs or outputs, and the column that holds them. */
export const ioFields: Record<string, { column: "inputs" | "outputs"; part: "key" | "value" }> = {
  input_key: { column: "inputs", part: "key" },
  input_value: { column: "inputs", part: "value" },
  output_key: { column: "outputs", part: "key" },
  output_value: { column: "outputs", part: "value" },
};

/** The fields stored in a column of their own, and that column. */
export const columns: Record<string, string> = {
  id: "id",
  name: "name",
  run_type: "run_type",
  status: "status",
  trace_id: "trace_id",
  trace: "trace_id",
  parent_run_id: "parent_run_id",
  session_id: "session_id",
  thread_id: "thread_id",
  reference_example_id: "reference_example_id",
  start_time: "start_time",
  end_time: "end_time",
  error: "error",
};

/**
 * Usage fields, compared as the run shows them: summed over its subtree (run-view.ts), so that
 * `gt(total_tokens, 1000)` finds the root of an expensive trace, not only its LLM runs. A run
 * without token counts compares as 0 tokens (what LangSmith reports); a cost stays unknown.
 */
export const usageFields: Record<string, { zeroWhenNone: boolean }> = {
  total_tokens: { zeroWhenNone: true },
  prompt_tokens: { zeroWhenNone: true },
  completion_tokens: { zeroWhenNone: true },
  total_cost: { zeroWhenNone: false },
  prompt_cost: { zeroWhenNone: false },
  completion_cost: { zeroWhenNone: false },
};

/** The field a comparison names first (`eq(name, ...)` names `name`), if it names one. */
export function fieldOf(node: Node): string | undefined {
  const first = node.args[0];
  return first !== undefined && "field" in first ? first.field : undefined;
}

/** A filter's value as SQLite sees it inside JSON: booleans are 1/0, lists and objects as JSON text. */
export function jsonValue(value: unknown): SQLInputValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "number" || typeof value === "string") return value;
  return JSON.stringify(value);
}
