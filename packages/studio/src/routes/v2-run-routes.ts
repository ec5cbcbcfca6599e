import type { Hono } from "hono";
import { presignPath } from "../http/presigned-path.ts";
import { uuidPathParam } from "../http/query-params.ts";
import { readJsonBody } from "../http/read-json-body.ts";
import { queryObject, StrictBody } from "../http/strict-body.ts";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { MAX_RUN_PAGE, queryRuns, type RunQuery } from "../store/run-query.ts";
import type { StudioStore } from "../store/studio-store.ts";
import { toStudioTimestamp } from "../store/studio-timestamp.ts";
import { RUN_SELECT_FIELDS, toV2Runs, type V2RunViewOptions } from "../store/v2-run-view.ts";
import { runAttachmentPath } from "./run-read-routes.ts";

const RUN_TYPES = ["TOOL", "CHAIN", "LLM", "RETRIEVER", "EMBEDDING", "PROMPT", "PARSER"] as const;
const DAY_MS = 24 * 60 * 60 * 1000;

/** How the v2 routes render runs: everything but the selects. */
export type V2RunContext = Omit<V2RunViewOptions, "selects" | "includeSubtreeUsage">;

/** The v2 rendering context of a store: share URLs start with the studio's configured base URL. */
export function v2RunContext(store: StudioStore, publicUrl: () => string): V2RunContext {
  return {
    tenantId: store.tenantId,
    shareUrl: (runId) => {
      const token = store.shares.runToken(runId);
      return token === undefined ? undefined : `${publicUrl()}/public/${token}/r`;
    },
    datasetOf: (sessionId) =>
      sessionId === null ? null : (store.sessions.get(sessionId)?.reference_dataset_id ?? null),
    attachmentsOf: (runId) =>
      Object.fromEntries(
        store.runs
          .attachmentNames(runId)
          .map((name) => [
            name,
            `${publicUrl()}${presignPath(store.urlSigningKey, runAttachmentPath(runId, name))}`,
          ]),
      ),
  };
}

/** The default lower bound on start times, as LangSmith: one day ago. */
export function defaultMinStartTime(): string {
  return toStudioTimestamp(new Date(Date.now() - DAY_MS))!;
}

/**
 * Registers the v2 run and trace reads of the SDK's resource clients: `POST /api/v2/runs/query`
 * (`client.runs.query`), `GET /api/v2/runs/{id}` (`client.runs.retrieve`), `POST
 * /api/v2/traces/query` (`client.traces.query`) and `GET /api/v2/traces/{id}/runs`
 * (`client.traces.listRuns`). Bodies with a key the studio does not honour are a 422 naming it.
 */
export function registerV2RunRoutes(app: Hono, store: StudioStore, context: V2RunContext): void {
  app.post("/api/v2/runs/query", async (c) => {
    const body = new StrictBody(await readJsonBody(c), "POST /api/v2/runs/query", [
      "filter",
      "has_error",
      "ids",
      "include_subtree_usage",
      "is_root",
      "max_start_time",
      "min_start_time",
      "project_ids",
      "reference_dataset_id",
      "reference_examples",
      "run_type",
      "selects",
      "trace_filter",
      "trace_id",
      "tree_filter",
      "cursor",
      "page_size",
    ]);
    const query = baseQuery(body);
    const sessions = projectsOf(store, body);
    query.session = sessions;
    const ids = body.uuids("ids");
    if (ids !== undefined) query.ids = ids;
    const traceId = body.uuid("trace_id");
    if (traceId !== undefined) query.trace = traceId;
    if (ids === undefined && traceId === undefined) query.startTime ??= defaultMinStartTime();
    const isRoot = body.flag("is_root");
    if (isRoot !== undefined) query.isRoot = isRoot;
    const error = body.flag("has_error");
    if (error !== undefined) query.error = error;
    const runType = body.choice("run_type", RUN_TYPES);
    if (runType !== undefined) query.runType = runType.toLowerCase();
    const examples = body.uuids("reference_examples");
    if (examples !== undefined) query.referenceExample = examples;
    const page = queryRuns(store.db, query);
    const items = toV2Runs(store.db, page.runs, {
      ...context,
      selects: body.choices("selects", RUN_SELECT_FIELDS) ?? [],
      includeSubtreeUsage: body.flag("include_subtree_usage") ?? false,
    });
    return c.json({ items, next_cursor: page.next ?? "" });
  });

  app.get("/api/v2/runs/:id", (c) => {
    const id = uuidPathParam(c, "id", "Run");
    const params = new StrictBody(queryObject(c.req.url, ["selects"]), "GET /api/v2/runs/{id}", [
      "project_id",
      "selects",
      "start_time",
    ]);
    const projectId = params.uuid("project_id");
    const run = store.runs.requireStored(id);
    if (projectId !== undefined && run.session_id !== projectId) {
      throw new StudioHttpError(
        404,
        `Run ${id} not found in project ${projectId}: it belongs to ${run.session_id}.`,
      );
    }
    const [view] = toV2Runs(store.db, [run], {
      ...context,
      selects: params.choices("selects", RUN_SELECT_FIELDS) ?? [],
      includeSubtreeUsage: false,
    });
    return c.json(view);
  });

  app.post("/api/v2/traces/query", async (c) => {
    const body = new StrictBody(await readJsonBody(c), "POST /api/v2/traces/query", [
      "max_start_time",
      "min_start_time",
      "project_id",
      "selects",
      "trace_filter",
      "trace_ids",
      "tree_filter",
      "cursor",
      "page_size",
    ]);
    const query = baseQuery(body);
    query.isRoot = true;
    const project = body.uuid("project_id");
    if (project !== undefined) query.session = [store.sessions.require(project).id];
    const traceIds = body.uuids("trace_ids");
    if (traceIds !== undefined) query.ids = traceIds;
    else query.startTime ??= defaultMinStartTime();
    // The trace filter is about the root run, which each item is.
    if (query.traceFilter !== undefined) {
      query.filter =
        query.filter === undefined ? query.traceFilter : `and(${query.filter}, ${query.traceFilter})`;
      delete query.traceFilter;
    }
    const page = queryRuns(store.db, query);
    const roots = toV2Runs(store.db, page.runs, {
      ...context,
      selects: body.choices("selects", RUN_SELECT_FIELDS) ?? [],
      includeSubtreeUsage: false,
    });
    const totals = toV2Runs(store.db, page.runs, {
      ...context,
      selects: ["TOTAL_TOKENS", "TOTAL_COST", "FIRST_TOKEN_TIME"],
      includeSubtreeUsage: true,
    });
    const items = roots.map((root_run, i) => ({
      root_run,
      trace_aggregates: {
        total_tokens: totals[i]?.total_tokens ?? 0,
        total_cost: totals[i]?.total_cost ?? 0,
        ...(totals[i]?.first_token_time === undefined
          ? {}
          : { first_token_time: totals[i]?.first_token_time }),
      },
    }));
    return c.json({ items, next_cursor: page.next ?? "" });
  });

  app.get("/api/v2/traces/:id/runs", (c) => {
    const traceId = uuidPathParam(c, "id", "Trace");
    const params = new StrictBody(queryObject(c.req.url, ["selects"]), "GET /api/v2/traces/{id}/runs", [
      "project_id",
      "filter",
      "max_start_time",
      "min_start_time",
      "selects",
    ]);
    const project = params.uuid("project_id");
    if (project === undefined)
      throw new StudioHttpError(422, '"project_id" is required: the trace\'s project id.');
    const query: RunQuery = {
      limit: Number.MAX_SAFE_INTEGER,
      order: "asc",
      trace: traceId,
      session: [project],
    };
    const filter = params.text("filter");
    if (filter !== undefined && filter !== "") query.filter = filter;
    const min = params.time("min_start_time");
    if (min !== undefined) query.startTime = min;
    const max = params.time("max_start_time");
    if (max !== undefined) query.maxStartTime = max;
    const { runs } = queryRuns(store.db, query);
    const items = toV2Runs(store.db, runs, {
      ...context,
      selects: params.choices("selects", RUN_SELECT_FIELDS) ?? [],
      includeSubtreeUsage: false,
    });
    return c.json({ items });
  });
}

// The parts every v2 query shares: time window, the three filters, cursor and page size.
function baseQuery(body: StrictBody): RunQuery {
  const query: RunQuery = { limit: body.positive("page_size", MAX_RUN_PAGE) ?? MAX_RUN_PAGE, order: "desc" };
  const min = body.time("min_start_time");
  if (min !== undefined) query.startTime = min;
  const max = body.time("max_start_time");
  if (max !== undefined) query.maxStartTime = max;
  for (const [key, field] of [
    ["filter", "filter"],
    ["trace_filter", "traceFilter"],
    ["tree_filter", "treeFilter"],
    ["cursor", "cursor"],
  ] as const) {
    const value = body.text(key);
    if (value !== undefined && value !== "") query[field] = value;
  }
  return query;
}

// `project_ids` or `reference_dataset_id` (the dataset's experiments), exactly one, as LangSmith.
function projectsOf(store: StudioStore, body: StrictBody): string[] {
  const projects = body.uuids("project_ids");
  const dataset = body.uuid("reference_dataset_id");
  if ((projects === undefined) === (dataset === undefined)) {
    throw new StudioHttpError(
      422,
      'Set exactly one of "project_ids" (the projects to query) and "reference_dataset_id" (a dataset\'s experiments).',
    );
  }
  if (projects !== undefined) return projects;
  return store.sessions
    .list({ referenceDatasetId: dataset!, offset: 0, limit: Number.MAX_SAFE_INTEGER })
    .map((s) => s.id);
}
