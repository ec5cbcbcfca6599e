import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { numberColumn, textColumn } from "./json-column.ts";
import { decodeKeysetCursor, encodeKeysetCursor } from "./keyset-cursor.ts";
import { compileRunFilter } from "./run-filter.ts";
import { percentile, type RunScope, type RunStats } from "./run-stats.ts";

/**
 * The runs table for thread queries, on the index of turns (`runs_session_thread`): every thread
 * condition implies its WHERE, and SQLite, once it has statistics, would rather walk the root-run
 * index by start time and read every root of the project.
 */
const TURNS = "runs AS r INDEXED BY runs_session_thread";

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
export function threadTurnScope(
  db: DatabaseSync,
  query: Omit<ThreadQuery, "limit" | "cursor">,
  threadId?: string,
): RunScope {
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
    // Turns are root runs (see the first conditions), so search() needs no scan of children.
    const compiled = compileRunFilter(db, query.filter, "r", { rootsOnly: true });
    where.push(compiled.sql);
    params.push(...compiled.params);
  }
  if (query.treeFilter !== undefined) {
    const compiled = compileRunFilter(db, query.treeFilter, "t");
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
  const scope = threadTurnScope(db, query);
  const having: string[] = [];
  const params: SQLInputValue[] = [...scope.params];
  if (query.cursor !== undefined) {
    const [time, id] = decodeKeysetCursor(query.cursor, "next_cursor");
    having.push("(max(r.start_time) < ? OR (max(r.start_time) = ? AND r.thread_id < ?))");
    params.push(time, time, id);
  }
  const rows = db
    .prepare(
      // The thread index holds exactly the turns, in thread order: grouping streams over it without
      // reading a row (SQLite otherwise picks the root-run index and looks up every root).
      `SELECT r.thread_id AS thread_id, max(r.start_time) AS last FROM ${TURNS} WHERE ${scope.sql}
       GROUP BY r.thread_id ${having.length > 0 ? `HAVING ${having.join(" AND ")}` : ""}
       ORDER BY last DESC, thread_id DESC LIMIT ?`,
    )
    .all(...params, query.limit + 1);
  const page = rows.slice(0, query.limit);
  const threads = summarizeThreads(
    db,
    query,
    page.map((row) => String(row.thread_id)),
  );
  const last = page.at(-1);
  const next =
    rows.length > query.limit && last !== undefined
      ? encodeKeysetCursor(String(last.last), String(last.thread_id))
      : null;
  return { threads, next };
}

/** One thread's summary over its matching turns; a 404 when it has none. */
export function summarizeThread(
  db: DatabaseSync,
  query: Omit<ThreadQuery, "limit" | "cursor">,
  threadId: string,
): ThreadSummary {
  const [summary] = summarizeThreads(db, query, [threadId]);
  if (summary === undefined) {
    throw new StudioHttpError(
      404,
      `Thread ${JSON.stringify(threadId)} not found in project ${query.sessionId}.`,
    );
  }
  return summary;
}

/**
 * Summaries of threads over their matching turns, in the order given (threads without turns are
 * left out). A handful of queries for the whole page, not per thread: turns, tree usage, feedback.
 */
export function summarizeThreads(
  db: DatabaseSync,
  query: Omit<ThreadQuery, "limit" | "cursor">,
  threadIds: readonly string[],
): ThreadSummary[] {
  if (threadIds.length === 0) return [];
  const base = threadTurnScope(db, query);
  const scope: RunScope = {
    sql: `${base.sql} AND r.thread_id IN (SELECT value FROM json_each(?))`,
    params: [...base.params, JSON.stringify(threadIds)],
  };
  const turns = db
    .prepare(
      `SELECT r.id, r.thread_id, r.start_time, r.end_time, r.inputs, r.outputs, r.error,
         unixepoch(r.end_time, 'subsec') - unixepoch(r.start_time, 'subsec') AS latency
       FROM ${TURNS} WHERE ${scope.sql} ORDER BY r.start_time, r.id`,
    )
    .all(...scope.params);
  const usage = new Map(
    db
      .prepare(
        `SELECT r.thread_id AS thread_id, SUM(c.total_tokens) AS tokens, SUM(c.total_cost) AS cost
         FROM ${TURNS} JOIN runs AS c ON c.trace_id = r.id WHERE ${scope.sql} GROUP BY r.thread_id`,
      )
      .all(...scope.params)
      .map((row) => [String(row.thread_id), row]),
  );
  const feedback = new Map<string, ThreadSummary["feedback_stats"]>();
  for (const row of db
    .prepare(
      `SELECT r.thread_id AS thread_id, f.key, COUNT(*) AS n, AVG(f.score) AS avg
       FROM ${TURNS} JOIN feedback AS f ON f.run_id = r.id WHERE ${scope.sql} GROUP BY r.thread_id, f.key`,
    )
    .all(...scope.params)) {
    const stats = feedback.get(String(row.thread_id)) ?? {};
    stats[String(row.key)] = { n: numberColumn(row.n) ?? 0, avg: numberColumn(row.avg), values: {} };
    feedback.set(String(row.thread_id), stats);
  }
  const byThread = new Map<string, typeof turns>();
  for (const turn of turns) {
    const list = byThread.get(String(turn.thread_id)) ?? [];
    list.push(turn);
    byThread.set(String(turn.thread_id), list);
  }
  return threadIds.flatMap((threadId) => {
    const list = byThread.get(threadId);
    const first = list?.[0];
    const last = list?.at(-1);
    if (list === undefined || first === undefined || last === undefined) return [];
    const latencies = list
      .filter((t) => t.end_time !== null)
      .map((t) => Math.round(Number(t.latency) * 1e6) / 1e6)
      .sort((a, b) => a - b);
    const errored = list.filter((t) => t.error !== null);
    const lastError = errored.at(-1)?.error;
    const p50 = percentile(latencies, 0.5);
    const p99 = percentile(latencies, 0.99);
    const totals = usage.get(threadId);
    const summary: ThreadSummary = {
      thread_id: threadId,
      count: list.length,
      min_start_time: String(first.start_time),
      max_start_time: String(last.start_time),
      start_time: String(first.start_time),
      first_trace_id: String(first.id),
      last_trace_id: String(last.id),
      trace_id: String(last.id),
      first_inputs: textColumn(first.inputs) ?? "",
      last_outputs: textColumn(last.outputs) ?? "",
      num_errored_turns: errored.length,
      total_tokens: numberColumn(totals?.tokens) ?? 0,
      total_cost: numberColumn(totals?.cost) ?? 0,
      feedback_stats: feedback.get(threadId) ?? {},
    };
    if (typeof lastError === "string") summary.last_error = lastError;
    if (p50 !== null) summary.latency_p50 = p50;
    if (p99 !== null) summary.latency_p99 = p99;
    return [summary];
  });
}

/** Every run of the traces whose roots are in `turns`. */
export function treeScope(turns: RunScope): RunScope {
  return {
    sql: `r.trace_id IN (SELECT r.id FROM ${TURNS} WHERE ${turns.sql})`,
    params: turns.params,
  };
}

/** The turns of one thread, oldest first, with their number in the thread. */
export function threadTurns(
  db: DatabaseSync,
  query: Omit<ThreadQuery, "limit" | "cursor">,
  threadId: string,
): { id: string; turnNumber: number }[] {
  const scope = threadTurnScope(db, query, threadId);
  return db
    .prepare(`SELECT r.id FROM ${TURNS} WHERE ${scope.sql} ORDER BY r.start_time, r.id`)
    .all(...scope.params)
    .map((row, index) => ({ id: String(row.id), turnNumber: index + 1 }));
}

/** How many distinct threads the turns in `scope` belong to. */
export function countThreads(db: DatabaseSync, scope: RunScope): number {
  const row = db
    .prepare(`SELECT count(DISTINCT r.thread_id) AS n FROM ${TURNS} WHERE ${scope.sql}`)
    .get(...scope.params);
  return numberColumn(row?.n) ?? 0;
}

/**
 * A page of a project's threads by offset, the most recently active first, with how many there
 * are in all: `POST /runs/group` (the SDK's `listGroupRuns`) pages this way.
 */
export function threadsByOffset(
  db: DatabaseSync,
  query: Omit<ThreadQuery, "limit" | "cursor">,
  page: { offset: number; limit: number },
): { threads: ThreadSummary[]; total: number } {
  const scope = threadTurnScope(db, query);
  const ids = db
    .prepare(
      `SELECT r.thread_id AS thread_id, max(r.start_time) AS last FROM ${TURNS} WHERE ${scope.sql}
       GROUP BY r.thread_id ORDER BY last DESC, thread_id DESC LIMIT ? OFFSET ?`,
    )
    .all(...scope.params, page.limit, page.offset)
    .map((row) => String(row.thread_id));
  return { threads: summarizeThreads(db, query, ids), total: countThreads(db, scope) };
}
