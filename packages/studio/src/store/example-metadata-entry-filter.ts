import type { SQLInputValue } from "node:sqlite";
import type { Arg, Literal, Node } from "./filter-parser.ts";
import { comparisons, metadataInSql } from "./run-filter-fields.ts";

/** True for `eq(metadata_key, ...)`, `gt(metadata_value, ...)`, `in(metadata_value, [...])` and the like. */
export function isMetadataEntryCondition(arg: Arg): boolean {
  if (!("call" in arg) || (comparisons[arg.call] === undefined && arg.call !== "in")) return false;
  const first = arg.args[0];
  return (
    first !== undefined &&
    "field" in first &&
    (first.field === "metadata_key" || first.field === "metadata_value")
  );
}

/**
 * `metadata_key`/`metadata_value` conditions (comparisons and `in`) over an example's metadata, as in run filters:
 * conditions given side by side in one `and` describe the same entry, so
 * `and(eq(metadata_key, "source"), eq(metadata_value, "cli"))` finds the examples whose `source`
 * is `cli`. Pushes the bound values onto `params`.
 */
export function compileExampleMetadataEntry(
  nodes: readonly Node[],
  params: SQLInputValue[],
  fail: (what: string) => never,
): string {
  const conditions = nodes.map((node) => {
    const first = node.args[0];
    const second = node.args[1];
    const field = first !== undefined && "field" in first ? first.field : "";
    if (node.args.length !== 2 || second === undefined || !("literal" in second)) {
      return fail(`${node.call}(${field}, ...) takes a field and a value: eq(metadata_key, "source")`);
    }
    const value = second.literal;
    if (node.call === "in") {
      return metadataInSql(field as "metadata_key" | "metadata_value", value, params, fail);
    }
    if (value === null || Array.isArray(value)) {
      return fail(`${node.call}(${field}, ...) compares with a quoted text, a number or true/false`);
    }
    if (field === "metadata_key" && typeof value !== "string") {
      return fail(`${node.call}(metadata_key, ...) takes a quoted key`);
    }
    params.push(sqlValue(value));
    return `${field === "metadata_key" ? "m.key" : "m.value"} ${comparisons[node.call]} ?`;
  });
  return `EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(metadata) THEN metadata END) AS m WHERE ${conditions.join(" AND ")})`;
}

function sqlValue(value: Exclude<Literal, null | Literal[]>): SQLInputValue {
  return typeof value === "boolean" ? (value ? 1 : 0) : value;
}
