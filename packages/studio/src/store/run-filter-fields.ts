/*
 * The vocabulary of the LangSmith run filter (run-filter.ts): its comparison and pattern functions,
 * the run fields it knows and where each is stored, and how a filter's value is bound for SQLite.
 */
import type { SQLInputValue } from "node:sqlite";
import type { Literal, Node } from "./filter-parser.ts";

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

/**
 * `in(metadata_key, [...])` or `in(metadata_value, [...])` over the metadata entries `m` of a
 * `json_each` (run and example filters alike): one of the values, each compared as eq() would.
 * Binds the list as one JSON parameter onto `params`; a list that is empty, holds null or a list,
 * or (for keys) anything but texts goes to `fail`, which names the form.
 */
export function metadataInSql(
  field: "metadata_key" | "metadata_value",
  values: Literal,
  params: SQLInputValue[],
  fail: (what: string) => never,
): string {
  if (
    !Array.isArray(values) ||
    values.length === 0 ||
    values.some((v) => v === null || Array.isArray(v) || (field === "metadata_key" && typeof v !== "string"))
  ) {
    return fail(
      field === "metadata_key"
        ? `in(metadata_key, [...]) takes a non-empty list of quoted keys: in(metadata_key, ["user", "chain"])`
        : `in(metadata_value, [...]) takes a non-empty list of texts, numbers or true/false: in(metadata_value, ["a", "b"])`,
    );
  }
  params.push(JSON.stringify(values.map((v) => jsonValue(v))));
  return `${field === "metadata_key" ? "m.key" : "m.value"} IN (SELECT value FROM json_each(?))`;
}
