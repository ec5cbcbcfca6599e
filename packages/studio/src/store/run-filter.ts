import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import { jsonDepth, MAX_JSON_DEPTH } from "../http/json-depth.ts";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { durationSeconds } from "./duration-seconds.ts";
import {
  type Arg,
  FILTER_HELP,
  FILTER_LIMITS,
  FilterParser,
  type Literal,
  type Node,
} from "./filter-parser.ts";
import { compileFirstTokenTime } from "./first-token-time-filter.ts";
import { likeToGlob } from "./like-to-glob.ts";
import { compileExists } from "./metadata-exists-filter.ts";
import type { RunFilterContext } from "./run-filter-context.ts";
import {
  columns,
  comparisons,
  fieldOf,
  ioFields,
  jsonValue,
  metadataInSql,
  patterns,
  usageFields,
} from "./run-filter-fields.ts";
import { compileRunSearch } from "./run-search.ts";
import { toStudioTimestamp } from "./studio-timestamp.ts";
import { subtreeAggregate } from "./subtree-aggregate.ts";
import { compileTagsIn } from "./tags-in-filter.ts";

/** A filter compiled to SQL over the `runs` table under an alias, with its bound parameters. */
export interface CompiledFilter {
  sql: string;
  params: SQLInputValue[];
}

/**
 * Compiles a LangSmith run filter such as `and(eq(run_type, "chain"), has(tags, "v1"))` or
 * `and(eq(metadata_key, "chain"), eq(metadata_value, "support-triage"))` to SQL over the run table
 * aliased `alias`. A `metadata_key`/`metadata_value` pair (and a `feedback_key` with
 * `feedback_score`/`feedback_value`) inside one `and` matches the same entry, as in LangSmith.
 * `search("text")` asks `db`'s search index first (run-search.ts); `rootsOnly` says that the
 * query reads root runs only, so that no child needs the scan.
 * Anything outside {@link FILTER_HELP} is a 422 that names the unsupported part.
 */
export function compileRunFilter(
  db: DatabaseSync,
  filter: string,
  alias: string,
  options: { rootsOnly?: boolean } = {},
): CompiledFilter {
  const node = new FilterParser(filter).parse();
  const params: SQLInputValue[] = [];
  const sql = new FilterCompiler(db, alias, params, filter, options.rootsOnly === true).node(node);
  return { sql, params };
}

/** `in(metadata_key, [...])` or `in(metadata_value, [...])`: one entry's key or value among a list. */
function isMetadataIn(arg: Arg): boolean {
  if (!("call" in arg) || arg.call !== "in") return false;
  const field = fieldOf(arg);
  return field === "metadata_key" || field === "metadata_value";
}

class FilterCompiler {
  readonly #db: DatabaseSync;
  readonly #alias: string;
  readonly #params: SQLInputValue[];
  readonly #source: string;
  readonly #rootsOnly: boolean;

  constructor(db: DatabaseSync, alias: string, params: SQLInputValue[], source: string, rootsOnly: boolean) {
    this.#rootsOnly = rootsOnly;
    this.#db = db;
    this.#alias = alias;
    this.#params = params;
    this.#source = source;
  }

  node(node: Node): string {
    switch (node.call) {
      case "and":
        return this.#and(node.args);
      case "or":
        return `(${this.#nodes(node.args, "or").join(" OR ")})`;
      case "not":
        return `NOT (${this.#nodes(node.args, "not").join(" AND ")})`;
      case "has":
        return this.#has(node);
      case "search":
        return this.#search(node);
      case "in":
        return this.#in(node);
      case "exists":
        return compileExists(this.#context(), this.#field(node), this.#value(node));
      default:
        if (comparisons[node.call] !== undefined || patterns[node.call] !== undefined) {
          return this.#compare(node);
        }
        return this.#fail(`unknown function ${node.call}()`);
    }
  }

  #nodes(args: Arg[], where: string): string[] {
    if (args.length === 0) this.#fail(`${where}() needs at least one condition`);
    return args.map((arg) =>
      "call" in arg ? this.node(arg) : this.#fail(`${where}() takes conditions, not values`),
    );
  }

  // metadata_key/metadata_value (and feedback_key with a score or value) given side by side in an
  // `and` describe one entry, so they become one EXISTS.
  #and(args: Arg[]): string {
    const rest: Arg[] = [];
    const metadata: Node[] = [];
    const feedback: Node[] = [];
    const io: Record<"inputs" | "outputs", Node[]> = { inputs: [], outputs: [] };
    for (const arg of args) {
      const compares = "call" in arg && (comparisons[arg.call] ?? patterns[arg.call]) !== undefined;
      const field = compares ? fieldOf(arg) : undefined;
      if (field === "metadata_key" || field === "metadata_value" || isMetadataIn(arg))
        metadata.push(arg as Node);
      else if (field?.startsWith("feedback_")) feedback.push(arg as Node);
      else if (field !== undefined && ioFields[field] !== undefined)
        io[ioFields[field].column].push(arg as Node);
      else rest.push(arg);
    }
    const parts = rest.length > 0 ? this.#nodes(rest, "and") : [];
    if (metadata.length > 0) parts.push(this.#metadata(metadata));
    if (feedback.length > 0) parts.push(this.#feedback(feedback));
    for (const column of ["inputs", "outputs"] as const) {
      if (io[column].length > 0) parts.push(this.#io(column, io[column]));
    }
    if (parts.length === 0) this.#fail("and() needs at least one condition");
    return `(${parts.join(" AND ")})`;
  }

  #compare(node: Node): string {
    const field = this.#field(node);
    if (field === "metadata_key" || field === "metadata_value") return this.#metadata([node]);
    if (field.startsWith("feedback_")) return this.#feedback([node]);
    const io = ioFields[field];
    if (io !== undefined) return this.#io(io.column, [node]);
    if (patterns[node.call] !== undefined) return this.#pattern(node, this.#column(field));
    const op = comparisons[node.call]!;
    const value = this.#value(node);
    if (field === "first_token_time") return compileFirstTokenTime(this.#context(), node.call, op, value);
    if (field === "is_root") {
      const isRoot = value === true || value === 1 || value === "true";
      const wantRoot = op === "=" ? isRoot : !isRoot;
      return `${this.#alias}.parent_run_id IS ${wantRoot ? "" : "NOT "}NULL`;
    }
    if (typeof value === "boolean") return this.#compareBoolean(node, field, op, value);
    const column = this.#column(field);
    if (value === null) {
      if (op === "=") return `${column} IS NULL`;
      if (op === "!=") return `${column} IS NOT NULL`;
      return this.#fail(`${node.call}(${field}, null) compares with null: use eq or neq`);
    }
    this.#params.push(this.#bind(field, value));
    return `${column} ${op} ?`;
  }

  // Only `error` (did the run fail) reads as true/false besides is_root; on any other field a
  // boolean would silently match nothing, so it is refused.
  #compareBoolean(node: Node, field: string, op: string, value: boolean): string {
    if (field !== "error") {
      return this.#fail(
        `${node.call}(${field}, ${value}): ${field} never holds true or false; compare it with a quoted text or a number`,
      );
    }
    if (op !== "=" && op !== "!=") {
      return this.#fail(`${node.call}(error, ${value}): use eq or neq with true/false`);
    }
    // An empty error text is a run that did not fail, as the run's status reads it (stored-run.ts).
    const failed = (op === "=") === value;
    return `coalesce(${this.#alias}.error, '') ${failed ? "!=" : "="} ''`;
  }

  #in(node: Node): string {
    const field = this.#field(node);
    const values = this.#value(node);
    if (field === "tags") return compileTagsIn(this.#context(), values);
    if (field === "metadata_key" || field === "metadata_value") return this.#metadata([node]);
    if (!Array.isArray(values) || values.length === 0)
      this.#fail(`in(${field}, [...]) needs a non-empty list`);
    if (values.some((v) => typeof v === "boolean")) {
      this.#fail(`in(${field}, [...]) takes texts or numbers; for a run's failure use eq(error, true)`);
    }
    const column = this.#column(field);
    // One bound JSON list instead of one variable per value: SQLite binds at most 32,766.
    this.#params.push(JSON.stringify(values.map((v) => this.#bind(field, v))));
    return `${column} IN (SELECT value FROM json_each(?))`;
  }

  #has(node: Node): string {
    const field = this.#field(node);
    const value = this.#value(node);
    if (field === "tags") {
      this.#params.push(this.#bind(field, value));
      return `EXISTS (SELECT 1 FROM json_each(${this.#alias}.tags) WHERE value = ?)`;
    }
    if (field === "metadata" && typeof value === "string") {
      let wanted: unknown;
      try {
        wanted = JSON.parse(value);
      } catch {
        return this.#fail(`has(metadata, ...) takes a JSON object string such as '{"chain": "x"}'`);
      }
      if (typeof wanted !== "object" || wanted === null || Array.isArray(wanted)) {
        return this.#fail(`has(metadata, ...) takes a JSON object string such as '{"chain": "x"}'`);
      }
      const entries = Object.entries(wanted);
      if (entries.length > FILTER_LIMITS.conditions || jsonDepth(wanted, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
        return this.#fail(
          `has(metadata, ...) takes at most ${FILTER_LIMITS.conditions} keys nested at most ${MAX_JSON_DEPTH} deep`,
        );
      }
      const parts = entries.map(([key, v]) => {
        this.#params.push(`$.metadata.${JSON.stringify(key)}`, jsonValue(v));
        return `json_extract(${this.#validExtra()}, ?) IS ?`;
      });
      return parts.length === 0 ? "1" : `(${parts.join(" AND ")})`;
    }
    return this.#fail(
      `has() works on tags (has(tags, "x")) and metadata (has(metadata, '{"k": "v"}')), not ${field}`,
    );
  }

  #search(node: Node): string {
    const text = node.args.at(-1);
    if (text === undefined || !("literal" in text) || typeof text.literal !== "string") {
      return this.#fail('search() takes a quoted text: search("refund")');
    }
    const fields = ["name", "inputs", "outputs", "error"] as const;
    const search = compileRunSearch(this.#db, this.#alias, text.literal, fields, {
      rootsOnly: this.#rootsOnly,
    });
    this.#params.push(...search.params);
    return search.sql;
  }

  #metadata(nodes: Node[]): string {
    const conditions = nodes.map((node) => {
      const field = this.#field(node);
      const column = field === "metadata_key" ? "m.key" : "m.value";
      if (patterns[node.call] !== undefined) return this.#pattern(node, column);
      if (node.call === "in") {
        return metadataInSql(
          field as "metadata_key" | "metadata_value",
          this.#value(node),
          this.#params,
          (what) => this.#fail(what),
        );
      }
      const op = comparisons[node.call]!;
      const value = this.#value(node);
      this.#params.push(jsonValue(value));
      return `${column} ${op} ?`;
    });
    return `EXISTS (SELECT 1 FROM json_each(${this.#validExtra()}, '$.metadata') AS m WHERE ${conditions.join(" AND ")})`;
  }

  // input_key/input_value (output_...) name one entry of the run's inputs (outputs): a key is a
  // top-level key or a dotted path into nested objects (`messages.content`, `a.b`), a value is a
  // leaf's value (text, number, true/false). A key and a value side by side in an `and` are one entry.
  #io(column: "inputs" | "outputs", nodes: Node[]): string {
    const conditions = nodes.map((node) => {
      const field = this.#field(node);
      const part = ioFields[field]!.part;
      if (part === "key") {
        if (patterns[node.call] !== undefined) return this.#pattern(node, "substr(e.fullkey, 3)");
        const op = comparisons[node.call]!;
        const value = this.#value(node);
        if (typeof value !== "string") return this.#fail(`${node.call}(${field}, ...) takes a quoted key`);
        if (op !== "=" && op !== "!=") return this.#fail(`${field} takes eq, neq or like, not ${node.call}`);
        this.#params.push(value, `$.${value}`);
        const same = "((e.path = '$' AND e.key = ?) OR e.fullkey = ?)";
        return op === "=" ? same : `NOT ${same}`;
      }
      if (patterns[node.call] !== undefined) return `e.atom IS NOT NULL AND ${this.#pattern(node, "e.atom")}`;
      const op = comparisons[node.call]!;
      const value = this.#value(node);
      if (value === null || Array.isArray(value))
        return this.#fail(`${field} compares with a text or a number`);
      this.#params.push(jsonValue(value));
      return `e.atom IS NOT NULL AND e.atom ${op} ?`;
    });
    const json = `(CASE WHEN json_valid(${this.#alias}.${column}) THEN ${this.#alias}.${column} END)`;
    return `EXISTS (SELECT 1 FROM json_tree(${json}) AS e WHERE e.path != '' AND ${conditions.join(" AND ")})`;
  }

  // like(field, "pat%") with SQL wildcards: `like` as GLOB (case-sensitive, GLOB's own wildcards
  // escaped), `ilike` as LIKE (case-insensitive for ASCII).
  #pattern(node: Node, column: string): string {
    const field = this.#field(node);
    const value = this.#value(node);
    if (typeof value !== "string") return this.#fail(`${node.call}(${field}, ...) takes a quoted pattern`);
    if (patterns[node.call] === "LIKE") {
      this.#params.push(value);
      return `${column} LIKE ? ESCAPE '\\'`;
    }
    this.#params.push(likeToGlob(value));
    return `${column} GLOB ?`;
  }

  #feedback(nodes: Node[]): string {
    const conditions = nodes.map((node) => {
      const field = this.#field(node);
      const op = comparisons[node.call]!;
      const value = this.#value(node);
      const column = { feedback_key: "f.key", feedback_score: "f.score", feedback_value: "f.value" }[field];
      if (column === undefined) return this.#fail(`unknown field ${field}`);
      if (value === null) return `${column} IS ${op === "=" ? "" : "NOT "}NULL`;
      this.#params.push(field === "feedback_value" ? JSON.stringify(value) : jsonValue(value));
      return `${column} ${op} ?`;
    });
    return `EXISTS (SELECT 1 FROM feedback AS f WHERE f.run_id = ${this.#alias}.id AND ${conditions.join(" AND ")})`;
  }

  #context(): RunFilterContext {
    return {
      alias: this.#alias,
      params: this.#params,
      validExtra: this.#validExtra(),
      fail: (what) => this.#fail(what),
    };
  }

  // Runs stored before the depth limit may hold metadata too deep for SQLite's JSON functions
  // (1,000 levels), which would fail the whole query: such a run matches no metadata condition.
  #validExtra(): string {
    return `(CASE WHEN json_valid(${this.#alias}.extra) THEN ${this.#alias}.extra END)`;
  }

  #column(field: string): string {
    if (field === "latency") {
      return `((julianday(${this.#alias}.end_time) - julianday(${this.#alias}.start_time)) * 86400.0)`;
    }
    const usage = usageFields[field];
    if (usage !== undefined) return this.#subtreeUsage(field, usage.zeroWhenNone);
    const column = columns[field];
    if (column === undefined) return this.#fail(`unknown field ${field}`);
    return `${this.#alias}.${column}`;
  }

  // Usage as the run shows it: summed over its subtree (run-view.ts).
  #subtreeUsage(field: string, zeroWhenNone: boolean): string {
    const sum = subtreeAggregate(this.#alias, "SUM", field);
    return zeroWhenNone ? `coalesce(${sum}, 0)` : sum;
  }

  #bind(field: string, value: Literal): SQLInputValue {
    if (Array.isArray(value)) return this.#fail(`${field} takes a single value here, not a list`);
    if (field === "start_time" || field === "end_time") return toStudioTimestamp(value, `filter ${field}`);
    if (field === "latency") return this.#seconds(value);
    return jsonValue(value);
  }

  // LangSmith takes a latency as seconds or as a duration text: "5s", "500ms", "1.5m", "2h".
  #seconds(value: Literal): number {
    const seconds = durationSeconds(value);
    if (seconds === undefined) {
      return this.#fail(
        `latency takes seconds or a duration such as "5s", "500ms", "2m" (got ${JSON.stringify(value)})`,
      );
    }
    return seconds;
  }

  #field(node: Node): string {
    const first = node.args[0];
    if (first === undefined || !("field" in first)) return this.#fail(`${node.call}() needs a field first`);
    return first.field;
  }

  #value(node: Node): Literal {
    const second = node.args[1];
    if (node.args.length !== 2 || second === undefined || !("literal" in second)) {
      return this.#fail(`${node.call}() takes a field and a value: ${node.call}(name, "x")`);
    }
    return second.literal;
  }

  #fail(what: string): never {
    throw new StudioHttpError(
      422,
      `Unsupported filter ${JSON.stringify(this.#source)}: ${what}. Supported: ${FILTER_HELP}.`,
    );
  }
}
