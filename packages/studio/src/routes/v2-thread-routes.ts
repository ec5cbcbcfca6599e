import type { Hono } from "hono";
import { readJsonBody } from "../http/read-json-body.ts";
import { queryObject, StrictBody } from "../http/strict-body.ts";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { MAX_RUN_PAGE } from "../store/run-query.ts";
import { runStats } from "../store/run-stats.ts";
import type { StudioStore } from "../store/studio-store.ts";
import {
  countThreads,
  queryThreads,
  summarizeThread,
  type ThreadQuery,
  threadTurnScope,
  threadTurns,
  treeScope,
} from "../store/thread-query.ts";
import { toV2Runs } from "../store/v2-run-view.ts";
import { defaultMinStartTime, type V2RunContext } from "./v2-run-routes.ts";

const THREAD_TRACE_FIELDS = [
  "THREAD_ID",
  "TRACE_ID",
  "OP",
  "PROMPT_TOKENS",
  "COMPLETION_TOKENS",
  "TOTAL_TOKENS",
  "START_TIME",
  "END_TIME",
  "LATENCY",
  "FIRST_TOKEN_TIME",
  "INPUTS_PREVIEW",
  "OUTPUTS_PREVIEW",
  "INPUTS",
  "OUTPUTS",
  "ERROR",
  "PROMPT_COST",
  "COMPLETION_COST",
  "TOTAL_COST",
  "PROMPT_TOKEN_DETAILS",
  "COMPLETION_TOKEN_DETAILS",
  "PROMPT_COST_DETAILS",
  "COMPLETION_COST_DETAILS",
  "NAME",
  "ERROR_PREVIEW",
  "TURN_NUMBER",
] as const;

const AGGREGATE_SELECTS = [
  "THREAD_COUNT",
  "TRACE_COUNT",
  "TOTAL_TOKENS",
  "TOTAL_COST",
  "ERROR_RATE",
  "LATENCY_P50",
  "LATENCY_P99",
  "PROMPT_TOKENS",
  "COMPLETION_TOKENS",
  "PROMPT_COST",
  "COMPLETION_COST",
  "THREAD_FEEDBACK_STATS",
] as const;

const THREAD_STAT_SELECTS = [
  "TURNS",
  "FIRST_START_TIME",
  "LAST_START_TIME",
  "LAST_END_TIME",
  "LATENCY_P50",
  "LATENCY_P99",
  "PROMPT_TOKENS",
  "PROMPT_COST",
  "COMPLETION_TOKENS",
  "COMPLETION_COST",
  "TOTAL_TOKENS",
  "TOTAL_COST",
  "FEEDBACK_STATS",
] as const;

/**
 * Registers the thread reads of `client.threads`: `POST /api/v2/threads/query`, `GET
 * /api/v2/threads/{id}/traces`, `POST /api/v2/threads/stats` and `GET /api/v2/threads/{id}/stats`.
 * A thread is the root runs of a project that share a thread id (see `threadIdOf`).
 */
export function registerV2ThreadRoutes(app: Hono, store: StudioStore, context: V2RunContext): void {
  app.post("/api/v2/threads/query", async (c) => {
    const body = new StrictBody(await readJsonBody(c), "POST /api/v2/threads/query", [
      "project_id",
      "filter",
      "trace_filter",
      "tree_filter",
      "min_start_time",
      "max_start_time",
      "cursor",
      "page_size",
    ]);
    const query: ThreadQuery = {
      ...threadWindow(store, body, "project_id"),
      limit: body.positive("page_size", MAX_RUN_PAGE) ?? MAX_RUN_PAGE,
      cursor: nonEmpty(body.text("cursor")),
    };
    const page = queryThreads(store.db, query);
    return c.json({ items: page.threads, next_cursor: page.next ?? "" });
  });

  app.get("/api/v2/threads/:id/traces", (c) => {
    const threadId = c.req.param("id");
    const params = new StrictBody(queryObject(c.req.url, ["selects"]), "GET /api/v2/threads/{id}/traces", [
      "project_id",
      "filter",
      "trace_filter",
      "tree_filter",
      "selects",
      "cursor",
      "page_size",
    ]);
    const window = threadWindow(store, params, "project_id", false);
    const selects = params.choices("selects", THREAD_TRACE_FIELDS);
    const turns = threadTurns(store.db, window, threadId);
    const offset = params.has("cursor") ? Number.parseInt(params.text("cursor") ?? "0", 10) || 0 : 0;
    const limit = params.positive("page_size", MAX_RUN_PAGE) ?? MAX_RUN_PAGE;
    const page = turns.slice(offset, offset + limit);
    const runs = page.map((t) => store.runs.requireStored(t.id));
    const views = toV2Runs(store.db, runs, {
      ...context,
      selects: [
        "NAME",
        "START_TIME",
        "END_TIME",
        "LATENCY_SECONDS",
        "FIRST_TOKEN_TIME",
        "INPUTS",
        "INPUTS_PREVIEW",
        "OUTPUTS",
        "OUTPUTS_PREVIEW",
        "ERROR",
        "ERROR_PREVIEW",
        "TOTAL_TOKENS",
        "PROMPT_TOKENS",
        "COMPLETION_TOKENS",
        "TOTAL_COST",
        "PROMPT_COST",
        "COMPLETION_COST",
      ],
      includeSubtreeUsage: true,
    });
    const items = views.map((view, i) => {
      const { id, latency_seconds, ...rest } = view;
      const full: Record<string, unknown> = {
        ...rest,
        thread_id: threadId,
        trace_id: id,
        latency: latency_seconds,
        turn_number: page[i]!.turnNumber,
      };
      if (selects === undefined) return full;
      const wanted = new Set<string>(selects.map((s) => s.toLowerCase()));
      return Object.fromEntries(Object.entries(full).filter(([key]) => wanted.has(key)));
    });
    const next = offset + limit < turns.length ? String(offset + limit) : "";
    return c.json({ items, next_cursor: next });
  });

  app.post("/api/v2/threads/stats", async (c) => {
    const body = new StrictBody(await readJsonBody(c), "POST /api/v2/threads/stats", [
      "project_id",
      "select",
      "filter",
      "trace_filter",
      "tree_filter",
      "min_start_time",
      "max_start_time",
    ]);
    const select = new Set<string>(body.choices("select", AGGREGATE_SELECTS) ?? AGGREGATE_SELECTS);
    const scope = threadTurnScope(store.db, threadWindow(store, body, "project_id"));
    const roots = runStats(store.db, scope);
    const trees = runStats(store.db, treeScope(scope));
    const all: Record<string, unknown> = {
      thread_count: countThreads(store.db, scope),
      trace_count: roots.run_count,
      total_tokens: trees.total_tokens,
      total_cost: trees.total_cost ?? 0,
      error_rate: roots.error_rate ?? 0,
      latency_p50_seconds: roots.latency_p50,
      latency_p99_seconds: roots.latency_p99,
      prompt_tokens: trees.prompt_tokens,
      completion_tokens: trees.completion_tokens,
      prompt_cost: trees.prompt_cost ?? 0,
      completion_cost: trees.completion_cost ?? 0,
      thread_feedback_stats: roots.feedback_stats,
    };
    return c.json(
      pick(all, select, { latency_p50_seconds: "LATENCY_P50", latency_p99_seconds: "LATENCY_P99" }),
    );
  });

  app.get("/api/v2/threads/:id/stats", (c) => {
    const threadId = c.req.param("id");
    const params = new StrictBody(queryObject(c.req.url, ["selects"]), "GET /api/v2/threads/{id}/stats", [
      "session_id",
      "selects",
      "filter",
    ]);
    const window = threadWindow(store, params, "session_id", false);
    const select = new Set<string>(params.choices("selects", THREAD_STAT_SELECTS) ?? THREAD_STAT_SELECTS);
    const scope = threadTurnScope(store.db, window, threadId);
    const roots = runStats(store.db, scope);
    if (roots.run_count === 0) {
      throw new StudioHttpError(
        404,
        `Thread ${JSON.stringify(threadId)} not found in project ${window.sessionId}.`,
      );
    }
    const trees = runStats(store.db, treeScope(scope));
    const summary = summarizeThread(store.db, window, threadId);
    const lastEnd = store.db
      .prepare(`SELECT max(r.end_time) AS t FROM runs AS r WHERE ${scope.sql}`)
      .get(...scope.params)?.t;
    const all: Record<string, unknown> = {
      turns: roots.run_count,
      first_start_time: summary.min_start_time,
      last_start_time: summary.max_start_time,
      last_end_time: lastEnd ?? null,
      latency_p50_seconds: roots.latency_p50,
      latency_p99_seconds: roots.latency_p99,
      prompt_tokens: trees.prompt_tokens,
      prompt_cost: trees.prompt_cost ?? 0,
      completion_tokens: trees.completion_tokens,
      completion_cost: trees.completion_cost ?? 0,
      total_tokens: trees.total_tokens,
      total_cost: trees.total_cost ?? 0,
      feedback_stats: roots.feedback_stats,
    };
    return c.json(
      pick(all, select, { latency_p50_seconds: "LATENCY_P50", latency_p99_seconds: "LATENCY_P99" }),
    );
  });
}

// The project and window of a thread request; `trace_filter` is about the root, as `filter`.
function threadWindow(
  store: StudioStore,
  params: StrictBody,
  projectKey: string,
  defaultWindow = true,
): Omit<ThreadQuery, "limit" | "cursor"> {
  const project = params.uuid(projectKey);
  if (project === undefined)
    throw new StudioHttpError(422, `"${projectKey}" is required: the project the threads are in.`);
  const sessionId = store.sessions.require(project).id;
  const filters = [nonEmpty(params.text("filter")), nonEmpty(params.text("trace_filter"))].filter(
    (f): f is string => f !== undefined,
  );
  return {
    sessionId,
    minStartTime: params.has("min_start_time")
      ? params.time("min_start_time")
      : defaultWindow
        ? defaultMinStartTime()
        : undefined,
    maxStartTime: params.time("max_start_time"),
    filter:
      filters.length === 0 ? undefined : filters.length === 1 ? filters[0] : `and(${filters.join(", ")})`,
    treeFilter: nonEmpty(params.text("tree_filter")),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function pick(
  all: Record<string, unknown>,
  select: ReadonlySet<string>,
  names: Record<string, string>,
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(all).filter(
      ([key, value]) => value !== null && select.has(names[key] ?? key.toUpperCase()),
    ),
  );
}
