import type { Hono } from "hono";
import { uuidPathParam } from "../http/query-params.ts";
import { readJsonBody } from "../http/read-json-body.ts";
import { queryObject, StrictBody } from "../http/strict-body.ts";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { isUuid } from "../store/run-fields.ts";
import { queryRuns } from "../store/run-query.ts";
import { toRunViews } from "../store/run-view.ts";
import type { StoredRun } from "../store/stored-run.ts";
import type { StudioStore } from "../store/studio-store.ts";
import { threadTurns } from "../store/thread-query.ts";
import { RUN_SELECT_FIELDS, toV2Runs } from "../store/v2-run-view.ts";
import type { V2RunContext } from "./v2-run-routes.ts";

/** Paths readable without the API key: what a share token opens, and nothing else. */
export const PUBLIC_READ_PATH = /^\/(?:api\/v2\/)?public\/[^/]+\/(?:run|runs)(?:[/?].*|[a-z_=&%0-9-]*)?$/i;

/**
 * Registers sharing: v1 `PUT/GET/DELETE /runs/{id}/share` (`shareRun`, `readRunSharedLink`,
 * `unshareRun`), v2 `POST/DELETE /api/v2/runs/{id}/share` (`client.runs.share`) and
 * `/api/v2/threads/{id}/share` (`client.threads.share`), and the public reads a token opens:
 * `/public/{token}/run[s]…` and `/api/v2/public/{token}/run/{id}`, `…/runs/query`
 * (`client.public.runs`). A token opens the runs of the shared trace (or thread) only.
 */
export function registerShareRoutes(app: Hono, store: StudioStore, context: V2RunContext): void {
  app.put("/runs/:id/share", async (c) => {
    const id = uuidPathParam(c, "id", "Run");
    // `shareRun` sends its JSON without a content type.
    const raw = await readJsonBody(c, { anyContentType: true });
    const body = new StrictBody(raw, "PUT /runs/{id}/share", ["run_id", "share_token"]);
    store.runs.requireStored(id);
    const wanted = body.uuid("share_token");
    const token = store.shares.shareRun(id, wanted);
    return c.json({ run_id: id, share_token: token });
  });

  app.get("/runs/:id/share", (c) => {
    const id = uuidPathParam(c, "id", "Run");
    store.runs.requireStored(id);
    const token = store.shares.runToken(id);
    return c.json(token === undefined ? null : { run_id: id, share_token: token });
  });

  app.delete("/runs/:id/share", (c) => {
    const id = uuidPathParam(c, "id", "Run");
    store.shares.unshareRun(id);
    return c.json({});
  });

  app.post("/api/v2/runs/:id/share", async (c) => {
    const id = uuidPathParam(c, "id", "Run");
    const body = new StrictBody(await readJsonBody(c), "POST /api/v2/runs/{id}/share", [
      "session_id",
      "trace_id",
    ]);
    const run = store.runs.requireStored(id);
    checkOwner(run, body.uuid("session_id"), body.uuid("trace_id"));
    return c.json({ share_token: store.shares.shareRun(id) });
  });

  // The SDK names the path id a trace id: unshare that run (the trace's root as a rule).
  app.delete("/api/v2/runs/:id/share", async (c) => {
    const id = uuidPathParam(c, "id", "Run");
    const raw = c.req.header("content-length") === undefined ? {} : await readJsonBody(c);
    const body = new StrictBody(raw ?? {}, "DELETE /api/v2/runs/{id}/share", ["session_id"]);
    const run = store.runs.getStored(id);
    if (run !== undefined) checkOwner(run, body.uuid("session_id"), undefined);
    store.shares.unshareRun(id);
    return c.body(null, 204);
  });

  for (const method of ["post", "get", "delete"] as const) {
    app.on(method.toUpperCase(), "/api/v2/threads/:id/share", async (c) => {
      const threadId = c.req.param("id") ?? "";
      const raw = method === "post" ? await readJsonBody(c) : queryObject(c.req.url);
      const body = new StrictBody(raw, `${method.toUpperCase()} /api/v2/threads/{id}/share`, ["project_id"]);
      const project = body.uuid("project_id");
      if (project === undefined)
        throw new StudioHttpError(422, '"project_id" is required: the thread\'s project.');
      if (method === "delete") {
        store.shares.unshareThread(project, threadId);
        return c.body(null, 204);
      }
      if (method === "get") {
        const token = store.shares.threadToken(project, threadId);
        if (token === undefined)
          throw new StudioHttpError(404, `Thread ${JSON.stringify(threadId)} is not shared.`);
        return c.json({ share_token: token });
      }
      if (threadTurns(store.db, { sessionId: project }, threadId).length === 0) {
        throw new StudioHttpError(404, `Thread ${JSON.stringify(threadId)} not found in project ${project}.`);
      }
      return c.json({ share_token: store.shares.shareThread(project, threadId) });
    });
  }

  // v1 public reads: the shared run, one run of its trace, or runs of it by id.
  app.get("/public/:token/run", (c) => {
    const shared = sharedRuns(store, c.req.param("token"));
    const [view] = toRunViews(store.db, [shared.root], { tenantId: store.tenantId });
    return c.json(view);
  });
  app.get("/public/:token/run/:runId", (c) => {
    const shared = sharedRuns(store, c.req.param("token"));
    const run = shared.find(c.req.param("runId"));
    const [view] = toRunViews(store.db, [run], { tenantId: store.tenantId });
    return c.json(view);
  });
  // `listSharedRuns` appends its query without a "?" (`/runs` + `share_token=…&id=…`): accept both.
  app.get("/public/:token/:rest{runs.*}", (c) => {
    const shared = sharedRuns(store, c.req.param("token"));
    const rest = c.req.param("rest").slice("runs".length).replace(/^\?/, "");
    const search = new URLSearchParams(rest === "" ? new URL(c.req.url).search : rest);
    const ids = search.getAll("id");
    const runs = ids.length === 0 ? shared.all() : ids.map((id) => shared.find(id));
    return c.json(toRunViews(store.db, runs, { tenantId: store.tenantId }));
  });

  app.get("/api/v2/public/:token/run/:runId", (c) => {
    const shared = sharedRuns(store, c.req.param("token"));
    const params = new StrictBody(
      queryObject(c.req.url, ["selects"]),
      "GET /api/v2/public/{token}/run/{id}",
      ["selects", "start_time"],
    );
    const run = shared.find(c.req.param("runId"));
    const [view] = toV2Runs(store.db, [run], {
      ...context,
      selects: params.choices("selects", RUN_SELECT_FIELDS) ?? [],
      includeSubtreeUsage: false,
    });
    return c.json(view);
  });
  app.post("/api/v2/public/:token/runs/query", async (c) => {
    const shared = sharedRuns(store, c.req.param("token"));
    const body = new StrictBody(await readJsonBody(c), "POST /api/v2/public/{token}/runs/query", ["selects"]);
    const items = toV2Runs(store.db, shared.all(), {
      ...context,
      selects: body.choices("selects", RUN_SELECT_FIELDS) ?? [],
      includeSubtreeUsage: false,
    });
    return c.json({ items });
  });
}

function checkOwner(run: StoredRun, sessionId: string | undefined, traceId: string | undefined): void {
  if (sessionId !== undefined && run.session_id !== sessionId) {
    throw new StudioHttpError(404, `Run ${run.id} not found in project ${sessionId}.`);
  }
  if (traceId !== undefined && run.trace_id !== traceId) {
    throw new StudioHttpError(404, `Run ${run.id} is not in trace ${traceId}.`);
  }
}

// What a token opens: the traces of the shared run (or thread). Anything else is a 404, the same
// answer as for an unknown token, so that a token says nothing about runs it does not open.
function sharedRuns(store: StudioStore, token: string | undefined) {
  const notFound = () =>
    new StudioHttpError(404, "Shared link not found: it was never made, or the run was unshared.");
  if (token === undefined || !isUuid(token)) throw notFound();
  const target = store.shares.resolve(token);
  if (target === undefined) throw notFound();
  const roots =
    target.kind === "run"
      ? [store.runs.getStored(target.runId)]
      : threadTurns(store.db, { sessionId: target.sessionId }, target.threadId).map((t) =>
          store.runs.getStored(t.id),
        );
  const present = roots.filter((r): r is StoredRun => r !== undefined);
  const root = present[0];
  if (root === undefined) throw notFound();
  const traceIds = new Set(present.map((r) => r.trace_id ?? r.id));
  const all = () =>
    [...traceIds].flatMap(
      (traceId) => queryRuns(store.db, { trace: traceId, limit: Number.MAX_SAFE_INTEGER, order: "asc" }).runs,
    );
  const find = (id: string | undefined): StoredRun => {
    if (id === undefined || !isUuid(id)) throw notFound();
    const run = store.runs.getStored(id.toLowerCase());
    if (run === undefined || !traceIds.has(run.trace_id ?? run.id)) throw notFound();
    return run;
  };
  return { root, all, find };
}
