import type { SQLInputValue } from "node:sqlite";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { compileExampleMetadataEntry, isMetadataEntryCondition } from "./example-metadata-entry-filter.ts";
import { type Arg, FilterParser, type Literal, type Node } from "./filter-parser.ts";

/** An example filter compiled to SQL over the `examples` table, with its bound parameters. */
export interface CompiledExampleFilter {
  sql: string;
  params: SQLInputValue[];
}

/** The example filter language the studio understands, as shown in error messages. */
export const EXAMPLE_FILTER_HELP =
  'and(...), or(...), not(x); has(metadata, \'{"key": value}\'); exists(metadata, "key"); ' +
  "eq/neq/gt/gte/lt/lte(field, value) and in(field, [values]) on id, created_at, modified_at, source_run_id " +
  'or metadata.<key>; has(dataset_split, "train"); metadata_key/metadata_value with the comparisons or in(metadata_value, [values]) (a pair in one and() is one entry)';

const columns: Record<string, string> = {
  id: "id",
  created_at: "created_at",
  modified_at: "modified_at",
  source_run_id: "source_run_id",
};

const comparisons: Record<string, string> = { eq: "=", neq: "!=", gt: ">", gte: ">=", lt: "<", lte: "<=" };

/**
 * Compiles the filter of `listExamples({ filter })` — LangSmith's filter language over examples,
 * e.g. `and(has(metadata, '{"source": "cli"}'), gte(metadata.n, 2))` — to SQL. Anything outside
 * {@link EXAMPLE_FILTER_HELP} is a 422 that names the part, never a filter silently ignored.
 */
export function compileExampleFilter(filter: string): CompiledExampleFilter {
  const params: SQLInputValue[] = [];
  const sql = compile(new FilterParser(filter, EXAMPLE_FILTER_HELP).parse(), params, filter);
  return { sql, params };
}

function compile(node: Node, params: SQLInputValue[], source: string): string {
  const fail = (what: string): never => {
    throw new StudioHttpError(
      422,
      `Example filter ${JSON.stringify(source)}: ${what}. Supported: ${EXAMPLE_FILTER_HELP}.`,
    );
  };
  const sub = (arg: Arg | undefined): string =>
    arg !== undefined && "call" in arg
      ? compile(arg, params, source)
      : fail(`${node.call}(...) takes filters`);
  const field = (arg: Arg | undefined): string => {
    if (arg === undefined || !("field" in arg)) return fail(`${node.call}(...) needs a field first`);
    return arg.field;
  };
  const literal = (arg: Arg | undefined): Literal => {
    if (arg === undefined || !("literal" in arg)) return fail(`${node.call}(...) needs a value`);
    return arg.literal;
  };
  if (isMetadataEntryCondition(node)) return compileExampleMetadataEntry([node], params, fail);
  switch (node.call) {
    case "and": {
      if (node.args.length === 0) fail("and() needs at least one filter");
      // metadata_key/metadata_value side by side describe one entry (as in run filters).
      const entry = node.args.filter(isMetadataEntryCondition) as Node[];
      const parts = node.args.filter((arg) => !isMetadataEntryCondition(arg)).map(sub);
      if (entry.length > 0) parts.push(compileExampleMetadataEntry(entry, params, fail));
      return `(${parts.join(" AND ")})`;
    }
    case "or":
      if (node.args.length === 0) fail("or() needs at least one filter");
      return `(${node.args.map(sub).join(" OR ")})`;
    case "not":
      return `NOT (${sub(node.args[0])})`;
    case "has": {
      const name = field(node.args[0]);
      const value = literal(node.args[1]);
      if (name === "metadata") {
        if (typeof value !== "string") return fail("has(metadata, ...) takes a JSON object as a string");
        let wanted: unknown;
        try {
          wanted = JSON.parse(value);
        } catch {
          return fail(`has(metadata, ${JSON.stringify(value)}) is not a JSON object`);
        }
        if (typeof wanted !== "object" || wanted === null || Array.isArray(wanted)) {
          return fail("has(metadata, ...) takes a JSON object");
        }
        const parts = Object.entries(wanted as Record<string, unknown>).map(([key, v]) => {
          params.push(jsonPath(key), JSON.stringify(v));
          return "json_extract(metadata, ?) IS json_extract(?, '$')";
        });
        return parts.length === 0 ? "1" : `(${parts.join(" AND ")})`;
      }
      if (name === "dataset_split") {
        params.push(sqlValue(value, fail));
        return "EXISTS (SELECT 1 FROM json_each(metadata, '$.dataset_split') WHERE value = ?)";
      }
      return fail(`has(${name}, ...) is not supported`);
    }
    case "exists": {
      const name = field(node.args[0]);
      const key = literal(node.args[1]);
      if (name !== "metadata" || typeof key !== "string") return fail('exists takes (metadata, "key")');
      params.push(jsonPath(key));
      return "json_type(metadata, ?) IS NOT NULL";
    }
    case "in": {
      const target = target_(field(node.args[0]), params, fail);
      const values = literal(node.args[1]);
      if (!Array.isArray(values) || values.length === 0)
        return fail("in(field, [values]) needs a non-empty list");
      const marks = values.map((v) => {
        params.push(sqlValue(v, fail));
        return "?";
      });
      return `${target} IN (${marks.join(", ")})`;
    }
    default: {
      const op = comparisons[node.call];
      if (op === undefined) return fail(`unknown function ${node.call}(...)`);
      const target = target_(field(node.args[0]), params, fail);
      params.push(sqlValue(literal(node.args[1]), fail));
      return `${target} ${op} ?`;
    }
  }
}

/** The SQL of a field: a column, or `metadata.<key>` (pushes the key's JSON path). */
function target_(name: string, params: SQLInputValue[], fail: (what: string) => never): string {
  const column = columns[name];
  if (column !== undefined) return column;
  if (name.startsWith("metadata.") && name.length > "metadata.".length) {
    params.push(jsonPath(name.slice("metadata.".length)));
    return "json_extract(metadata, ?)";
  }
  return fail(`unknown field ${name}`);
}

function sqlValue(value: Literal, fail: (what: string) => never): SQLInputValue {
  if (value === null || Array.isArray(value)) return fail("compare with a string, a number or a boolean");
  return typeof value === "boolean" ? (value ? 1 : 0) : value;
}

function jsonPath(key: string): string {
  return `$.${JSON.stringify(key)}`;
}
