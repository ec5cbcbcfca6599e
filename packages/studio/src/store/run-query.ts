import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { isUuid } from "./run-fields.ts";
import { compileRunFilter } from "./run-filter.ts";
import { compileRunSearch } from "./run-search.ts";
import { storedRunFromRow } from "./run-store.ts";
import type { StoredRun } from "./stored-run.ts";
import { toStudioTimestamp } from "./studio-timestamp.ts";

/** The body of `POST /runs/query` as the SDK's `listRuns`/`readRun({ loadChildRuns })` send it. */
export interface RunQuery {
  session?: string[];
  trace?: string;
  isRoot?: boolean;
  parentRun?: string;
  ids?: string[];
  runType?: string;
  startTime?: string;
  /** Runs that started at or before this time (the v2 queries' `max_start_time`). */
  maxStartTime?: string;
  endTime?: string;
  error?: boolean;
  referenceExample?: string[];
  filter?: string;
  traceFilter?: string;
  treeFilter?: string;
  query?: string;
  limit: number;
  cursor?: string;
  select?: string[];
  order: "asc" | "desc";
}

/** One page of runs and the cursor of the next (`null` on the last page). */
export interface RunPage {
  runs: StoredRun[];
  next: string | null;
}

/** The keys of a run query the studio honours (as `listRuns` and `getRunStats` send them). */
export const RUN_QUERY_KEYS: readonly string[] = [
  "session",
  "trace",
  "is_root",
  "execution_order",
  "parent_run",
  "id",
  "run_type",
  "start_time",
  "end_time",
  "error",
  "reference_example",
  "filter",
  "trace_filter",
  "tree_filter",
  "query",
  "limit",
  "cursor",
  "select",
  "order",
];

/** The largest page the studio returns, as LangSmith. */
export const MAX_RUN_PAGE = 100;

/**
 * Reads and checks a `POST /runs/query` body. `null` values mean "no filter", as the SDK sends
 * them; `execution_order: 1` is the old spelling of `is_root: true`.
 */
export function parseRunQuery(body: unknown): RunQuery {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw bad(
      'The body of POST /runs/query must be a JSON object, e.g. {"session": ["<id>"], "is_root": true}.',
    );
  }
  const raw = body as Record<string, unknown>;
  // A key the studio does not know would otherwise be dropped and the list come back unfiltered.
  const unknown = Object.keys(raw).filter(
    (key) => !RUN_QUERY_KEYS.includes(key) && raw[key] !== null && raw[key] !== undefined,
  );
  if (unknown.length > 0) {
    throw bad(
      `The Catena studio does not support ${unknown.map((k) => `"${k}"`).join(", ")} in a run query: leave it out (supported: ${RUN_QUERY_KEYS.join(", ")}).`,
    );
  }
  if (raw.execution_order !== undefined && raw.execution_order !== null && raw.execution_order !== 1) {
    throw bad('"execution_order" takes only 1 (root runs); use "parent_run" or "trace" for others.');
  }
  const query: RunQuery = { limit: MAX_RUN_PAGE, order: "desc" };
  const ids = (key: string): string[] | undefined => {
    const value = raw[key];
    if (value === undefined || value === null) return undefined;
    const list = Array.isArray(value) ? value : [value];
    for (const id of list)
      if (!isUuid(id)) throw bad(`"${key}" must be a UUID or a list of UUIDs (got ${JSON.stringify(id)}).`);
    return (list as string[]).map((id) => id.toLowerCase());
  };
  const text = (key: string): string | undefined => {
    const value = raw[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") throw bad(`"${key}" must be a string.`);
    return value;
  };
  const flag = (key: string): boolean | undefined => {
    const value = raw[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "boolean") throw bad(`"${key}" must be true or false.`);
    return value;
  };
  const session = ids("session");
  if (session !== undefined) query.session = session;
  const trace = ids("trace");
  if (trace !== undefined) {
    if (trace.length !== 1) throw bad('"trace" takes one trace id.');
    query.trace = trace[0]!;
  }
  const isRoot = flag("is_root") ?? (raw.execution_order === 1 ? true : undefined);
  if (isRoot !== undefined) query.isRoot = isRoot;
  const parent = ids("parent_run");
  if (parent !== undefined) query.parentRun = parent[0]!;
  const runIds = ids("id");
  if (runIds !== undefined) query.ids = runIds;
  const runType = text("run_type");
  if (runType !== undefined) query.runType = runType;
  if (raw.start_time !== undefined && raw.start_time !== null) {
    query.startTime = toStudioTimestamp(raw.start_time, "start_time")!;
  }
  if (raw.end_time !== undefined && raw.end_time !== null)
    query.endTime = toStudioTimestamp(raw.end_time, "end_time")!;
  const error = flag("error");
  if (error !== undefined) query.error = error;
  const example = ids("reference_example");
  if (example !== undefined) query.referenceExample = example;
  for (const [key, field] of [
    ["filter", "filter"],
    ["trace_filter", "traceFilter"],
    ["tree_filter", "treeFilter"],
    ["query", "query"],
    ["cursor", "cursor"],
  ] as const) {
    const value = text(key);
    if (value !== undefined && value !== "") query[field] = value;
  }
  if (raw.limit !== undefined && raw.limit !== null) {
    if (typeof raw.limit !== "number" || !Number.isInteger(raw.limit) || raw.limit < 1) {
      throw bad(`"limit" must be a positive integer (got ${JSON.stringify(raw.limit)}).`);
    }
    query.limit = Math.min(raw.limit, MAX_RUN_PAGE);
  }
  if (raw.select !== undefined && raw.select !== null) {
    if (!Array.isArray(raw.select) || raw.select.some((s) => typeof s !== "string")) {
      throw bad('"select" must be a list of field names.');
    }
    query.select = raw.select as string[];
  }
  const order = text("order");
  if (order !== undefined) {
    if (order !== "asc" && order !== "desc") throw bad(`"order" must be "asc" or "desc" (got "${order}").`);
    query.order = order;
  }
  return query;
}

/**
 * Runs a query: newest first by start time (oldest first with `order: "asc"`), keyset-paged on
 * (start_time, id) so that a page costs the same however deep it is.
 */
export function queryRuns(db: DatabaseSync, query: RunQuery): RunPage {
  const where: string[] = [];
  const params: SQLInputValue[] = [];
  const inList = (column: string, values: readonly string[]) => {
    if (values.length === 1) {
      where.push(`${column} = ?`);
      params.push(...values);
    } else if (values.length <= 100) {
      where.push(`${column} IN (${values.map(() => "?").join(", ")})`);
      params.push(...values);
    } else {
      // A long list is bound as one JSON array: SQLite binds at most 32,766 values per query.
      where.push(`${column} IN (SELECT value FROM json_each(?))`);
      params.push(JSON.stringify(values));
    }
  };
  // With a trace, ids or a parent, those indexes find a handful of rows; the unary + keeps SQLite
  // from walking the (much larger) session index instead, which it otherwise prefers.
  const narrow = query.trace !== undefined || query.ids !== undefined || query.parentRun !== undefined;
  if (query.session !== undefined) inList(narrow ? "+r.session_id" : "r.session_id", query.session);
  if (query.trace !== undefined) inList("r.trace_id", [query.trace]);
  if (query.isRoot === true) where.push("r.parent_run_id IS NULL");
  if (query.isRoot === false) where.push("r.parent_run_id IS NOT NULL");
  if (query.parentRun !== undefined) inList("r.parent_run_id", [query.parentRun]);
  if (query.ids !== undefined) inList("r.id", query.ids);
  if (query.runType !== undefined) inList("r.run_type", [query.runType]);
  if (query.referenceExample !== undefined) inList("r.reference_example_id", query.referenceExample);
  if (query.startTime !== undefined) {
    where.push("r.start_time >= ?");
    params.push(query.startTime);
  }
  if (query.maxStartTime !== undefined) {
    where.push("r.start_time <= ?");
    params.push(query.maxStartTime);
  }
  if (query.endTime !== undefined) {
    where.push("r.end_time <= ?");
    params.push(query.endTime);
  }
  if (query.error !== undefined) where.push(query.error ? "r.error IS NOT NULL" : "r.error IS NULL");
  if (query.query !== undefined) {
    const search = compileRunSearch(db, "r", query.query, ["name", "inputs", "outputs"], {
      rootsOnly: query.isRoot === true,
    });
    where.push(search.sql);
    params.push(...search.params);
  }
  if (query.filter !== undefined) {
    const compiled = compileRunFilter(db, query.filter, "r", { rootsOnly: query.isRoot === true });
    where.push(compiled.sql);
    params.push(...compiled.params);
  }
  if (query.traceFilter !== undefined) {
    const compiled = compileRunFilter(db, query.traceFilter, "t");
    where.push(`EXISTS (SELECT 1 FROM runs AS t WHERE t.id = r.trace_id AND ${compiled.sql})`);
    params.push(...compiled.params);
  }
  if (query.treeFilter !== undefined) {
    const compiled = compileRunFilter(db, query.treeFilter, "t");
    where.push(`EXISTS (SELECT 1 FROM runs AS t WHERE t.trace_id = r.trace_id AND ${compiled.sql})`);
    params.push(...compiled.params);
  }
  const desc = query.order === "desc";
  if (query.cursor !== undefined) {
    const [time, id] = decodeCursor(query.cursor);
    where.push(`(r.start_time ${desc ? "<" : ">"} ? OR (r.start_time = ? AND r.id ${desc ? "<" : ">"} ?))`);
    params.push(time, time, id);
  }
  const direction = desc ? "DESC" : "ASC";
  const sql = `SELECT r.* FROM runs AS r ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
    ORDER BY r.start_time ${direction}, r.id ${direction} LIMIT ?`;
  const rows = db.prepare(sql).all(...params, query.limit + 1);
  const runs = rows.slice(0, query.limit).map(storedRunFromRow);
  const last = runs.at(-1);
  const next =
    rows.length > query.limit && last !== undefined ? encodeCursor(last.start_time ?? "", last.id) : null;
  return { runs, next };
}

function encodeCursor(startTime: string, id: string): string {
  return Buffer.from(JSON.stringify([startTime, id])).toString("base64url");
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === "string" &&
      typeof value[1] === "string"
    ) {
      return [value[0], value[1]];
    }
  } catch {
    // falls through to the error below
  }
  throw bad(
    `"cursor" ${JSON.stringify(cursor)} is not a cursor of this studio: pass back cursors.next as it came.`,
  );
}

function bad(detail: string): StudioHttpError {
  return new StudioHttpError(422, detail);
}
