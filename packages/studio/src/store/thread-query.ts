import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { numberColumn, textColumn } from "./json-column.ts";
import { compileRunFilter } from "./run-filter.ts";
import { type RunScope, type RunStats, runStats } from "./run-stats.ts";

/** What `POST /api/v2/threads/query` asks for: a project's threads in a time window. */
export interface ThreadQuery {
  sessionId: string;
  minStartTime?: string | undefined;
  maxStartTime?: string | undefined;
  /** On each turn's root run. */
  filter?: string | undefined;
  /** On any run of a turn's trace. */
  treeFilter?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** One thread, in the SDK's `Thread` shape. */
export interface ThreadSummary {
  thread_id: string;
  count: number;
  min_start_time: string;
  max_start_time: string;
  start_time: string;
  first_trace_id: string;
  last_trace_id: string;
  trace_id: string;
  first_inputs: string;
  last_outputs: string;
  last_error?: string;
  num_errored_turns: number;
  latency_p50?: number;
  latency_p99?: number;
  total_tokens: number;
  total_cost: number;
  feedback_stats: RunStats["feedback_stats"];
}

/**
 * The turns (root runs) of a project's threads that match a query, as a SQL condition on `runs`
 * aliased `r`: the rows the `runs_session_thread` index finds.
 */
export function threadTurnScope(query: Omit<ThreadQuery, "limit" | "cursor">, threadId?: string): RunScope {
  const where = ["r.session_id = ?", "r.thread_id IS NOT NULL", "r.parent_run_id IS NULL"];
  const params: SQLInputValue[] = [query.sessionId];
  if (threadId !== undefined) {
    where.push("r.thread_id = ?");
    params.push(threadId);
  }
  if (query.minStartTime !== undefined) {
    where.push("r.start_time >= ?");
    params.push(query.minStartTime);
  }
  if (query.maxStartTime !== undefined) {
    where.push("r.start_time <= ?");
    params.push(query.maxStartTime);
  }
  if (query.filter !== undefined) {
    const compiled = compileRunFilter(query.filter, "r");
    where.push(compiled.sql);
    params.push(...compiled.params);
  }
  if (query.treeFilter !== undefined) {
    const compiled = compileRunFilter(query.treeFilter, "t");
    where.push(`EXISTS (SELECT 1 FROM runs AS t WHERE t.trace_id = r.trace_id AND ${compiled.sql})`);
    params.push(...compiled.params);
  }
  return { sql: where.join(" AND "), params };
}

/**
 * A project's threads, the most recently active first, keyset-paged on (last start, thread id).
 * Statistics are over each thread's matching turns; tokens and costs over their whole traces.
 */
export function queryThreads(
  db: DatabaseSync,
  query: ThreadQuery,
): { threads: ThreadSummary[]; next: string | null } {
  const scope = threadTurnScope(query);
  const having: string[] = [];
  const params: SQLInputValue[] = [...scope.params];
  if (query.cursor !== undefined) {
    const [time, id] = decodeThreadCursor(query.cursor);
    having.push("(max(r.start_time) < ? OR (max(r.start_time) = ? AND r.thread_id < ?))");
    params.push(time, time, id);
  }
  const rows = db
    .prepare(
      `SELECT r.thread_id AS thread_id, max(r.start_time) AS last FROM runs AS r WHERE ${scope.sql}
       GROUP BY r.thread_id ${having.length > 0 ? `HAVING ${having.join(" AND ")}` : ""}
       ORDER BY last DESC, thread_id DESC LIMIT ?`,
    )
    .all(...params, query.limit + 1);
  const page = rows.slice(0, query.limit);
  const threads = page.map((row) => summarizeThread(db, query, String(row.thread_id)));
  const last = page.at(-1);
  const next =
    rows.length > query.limit && last !== undefined
      ? Buffer.from(JSON.stringify([String(last.last), String(last.thread_id)])).toString("base64url")
      : null;
  return { threads, next };
}

/** One thread's summary over its matching turns. */
export function summarizeThread(
  db: DatabaseSync,
  query: Omit<ThreadQuery, "limit" | "cursor">,
  threadId: string,
): ThreadSummary {
  const scope = threadTurnScope(query, threadId);
  const turns = db
    .prepare(
      `SELECT r.id, r.start_time, r.inputs, r.outputs, r.error FROM runs AS r WHERE ${scope.sql} ORDER BY r.start_time, r.id`,
    )
    .all(...scope.params);
  const first = turns[0];
  const last = turns.at(-1);
  if (first === undefined || last === undefined) {
    throw new StudioHttpError(
      404,
      `Thread ${JSON.stringify(threadId)} not found in project ${query.sessionId}.`,
    );
  }
  const roots = runStats(db, scope);
  const trees = runStats(db, treeScope(scope));
  const lastError = [...turns].reverse().find((t) => t.error !== null)?.error;
  return {
    thread_id: threadId,
    count: turns.length,
    min_start_time: String(first.start_time),
    max_start_time: String(last.start_time),
    start_time: String(first.start_time),
    first_trace_id: String(first.id),
    last_trace_id: String(last.id),
    trace_id: String(last.id),
    first_inputs: textColumn(first.inputs) ?? "",
    last_outputs: textColumn(last.outputs) ?? "",
    ...(typeof lastError === "string" ? { last_error: lastError } : {}),
    num_errored_turns: turns.filter((t) => t.error !== null).length,
    ...(roots.latency_p50 === null ? {} : { latency_p50: roots.latency_p50 }),
    ...(roots.latency_p99 === null ? {} : { latency_p99: roots.latency_p99 }),
    total_tokens: trees.total_tokens,
    total_cost: trees.total_cost ?? 0,
    feedback_stats: roots.feedback_stats,
  };
}

/** Every run of the traces whose roots are in `turns`. */
export function treeScope(turns: RunScope): RunScope {
  return {
    sql: `r.trace_id IN (SELECT r.id FROM runs AS r WHERE ${turns.sql})`,
    params: turns.params,
  };
}

/** The turns of one thread, oldest first, with their number in the thread. */
export function threadTurns(
  db: DatabaseSync,
  query: Omit<ThreadQuery, "limit" | "cursor">,
  threadId: string,
): { id: string; turnNumber: number }[] {
  const scope = threadTurnScope(query, threadId);
  return db
    .prepare(`SELECT r.id FROM runs AS r WHERE ${scope.sql} ORDER BY r.start_time, r.id`)
    .all(...scope.params)
    .map((row, index) => ({ id: String(row.id), turnNumber: index + 1 }));
}

/** How many distinct threads the turns in `scope` belong to. */
export function countThreads(db: DatabaseSync, scope: RunScope): number {
  const row = db
    .prepare(`SELECT count(DISTINCT r.thread_id) AS n FROM runs AS r WHERE ${scope.sql}`)
    .get(...scope.params);
  return numberColumn(row?.n) ?? 0;
}

function decodeThreadCursor(cursor: string): [string, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value) && typeof value[0] === "string" && typeof value[1] === "string") {
      return [value[0], value[1]];
    }
  } catch {
    // falls through to the error below
  }
  throw new StudioHttpError(
    422,
    `"cursor" ${JSON.stringify(cursor)} is not a thread cursor of this studio: pass back next_cursor as it came.`,
  );
}
