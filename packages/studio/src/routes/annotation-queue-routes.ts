import type { Hono } from "hono";
import { uuidPathParam } from "../http/query-params.ts";
import { readJsonBody } from "../http/read-json-body.ts";
import { queryObject, StrictBody } from "../http/strict-body.ts";
import { StudioHttpError } from "../http/studio-http-error.ts";
import {
  type AnnotationQueueFields,
  QUEUE_FIELDS,
  type QueueRun,
  type QueueRunStatus,
} from "../store/annotation-queue-store.ts";
import { isUuid } from "../store/run-fields.ts";
import { toRunViews } from "../store/run-view.ts";
import type { StudioStore } from "../store/studio-store.ts";

const STATUSES: readonly QueueRunStatus[] = ["needs_my_review", "needs_others_review", "completed"];

/**
 * Registers annotation queues as the SDK's `createAnnotationQueue`, `readAnnotationQueue`,
 * `listAnnotationQueues`, `updateAnnotationQueue`, `deleteAnnotationQueue`,
 * `addRunsToAnnotationQueue`, `listRunsFromAnnotationQueue`, `getRunFromAnnotationQueue`,
 * `deleteRunFromAnnotationQueue`, `getSizeFromAnnotationQueue` and `client.annotationQueues`
 * (`runs.*`, `createRunStatus`, `retrieveSize`, `retrieveTotalSize`, `retrieveQueues`) call them.
 * Marking a queue run `completed` (`POST /annotation-queues/status/{queue_run_id}`) is "done".
 */
export function registerAnnotationQueueRoutes(app: Hono, store: StudioStore): void {
  const queues = store.annotationQueues;

  app.post("/annotation-queues", async (c) => {
    const body = new StrictBody(await readJsonBody(c), "POST /annotation-queues", [
      "id",
      ...QUEUE_FIELDS,
      "created_at",
      "updated_at",
      "reviewer_access_mode",
    ]);
    const name = body.text("name");
    if (name === undefined || name.trim() === "") {
      throw new StudioHttpError(422, '"name" is required: the queue\'s name.');
    }
    return c.json(queues.create(body.uuid("id"), { ...queueFields(body), name }));
  });

  app.get("/annotation-queues", (c) => {
    const params = new StrictBody(queryObject(c.req.url, ["ids"]), "GET /annotation-queues", [
      "ids",
      "name",
      "name_contains",
      "dataset_id",
      "offset",
      "limit",
    ]);
    return c.json(
      queues.list({
        ids: params.uuids("ids"),
        name: params.text("name"),
        nameContains: params.text("name_contains"),
        datasetId: params.uuid("dataset_id"),
        offset: Number(params.text("offset") ?? 0) || 0,
        limit: params.positive("limit", 100) ?? 100,
      }),
    );
  });

  app.get("/annotation-queues/:id", (c) =>
    c.json(queues.require(uuidPathParam(c, "id", "Annotation queue"))),
  );

  app.patch("/annotation-queues/:id", async (c) => {
    const id = uuidPathParam(c, "id", "Annotation queue");
    const body = new StrictBody(await readJsonBody(c), "PATCH /annotation-queues/{id}", [
      ...QUEUE_FIELDS,
      "reviewer_access_mode",
    ]);
    queues.update(id, queueFields(body));
    return c.json(queues.require(id));
  });

  app.delete("/annotation-queues/:id", (c) => {
    queues.delete(uuidPathParam(c, "id", "Annotation queue"));
    return c.json({});
  });

  app.post("/annotation-queues/:id/runs", async (c) => {
    const id = uuidPathParam(c, "id", "Annotation queue");
    return c.json(queues.addRuns(id, runIdsOf(store, await readJsonBody(c))));
  });
  app.post("/annotation-queues/:id/runs/by-key", async (c) => {
    const id = uuidPathParam(c, "id", "Annotation queue");
    return c.json(queues.addRuns(id, runIdsOf(store, await readJsonBody(c))));
  });

  app.get("/annotation-queues/:id/runs", (c) => {
    const id = uuidPathParam(c, "id", "Annotation queue");
    const params = new StrictBody(queryObject(c.req.url), "GET /annotation-queues/{id}/runs", [
      "status",
      "offset",
      "limit",
      "include_stats",
      "archived",
    ]);
    if (params.flag("archived") === true) return c.json([]);
    const entries = queues.listRuns(id, {
      status: params.choice("status", STATUSES),
      offset: Number(params.text("offset") ?? 0) || 0,
      limit: params.positive("limit", 100) ?? 100,
    });
    return c.json(withRuns(store, entries));
  });

  app.get("/annotation-queues/:id/run/:index", (c) => {
    const id = uuidPathParam(c, "id", "Annotation queue");
    const index = Number(c.req.param("index"));
    if (!Number.isInteger(index) || index < 0) {
      throw new StudioHttpError(
        422,
        `The run index must be an integer ≥ 0 (got ${JSON.stringify(c.req.param("index"))}).`,
      );
    }
    const [entry] = queues.listRuns(id, { offset: index, limit: 1 });
    if (entry === undefined)
      throw new StudioHttpError(404, `Annotation queue ${id} has no run at index ${index}.`);
    return c.json(withRuns(store, [entry])[0]);
  });

  app.patch("/annotation-queues/:id/runs/:queueRunId", async (c) => {
    const queueRunId = uuidPathParam(c, "queueRunId", "Annotation queue run");
    const body = new StrictBody(await readJsonBody(c), "PATCH /annotation-queues/{id}/runs/{queue_run_id}", [
      "last_reviewed_time",
      "added_at",
    ]);
    const change: { lastReviewedTime?: string; addedAt?: string } = {};
    const reviewed = body.time("last_reviewed_time");
    if (reviewed !== undefined) change.lastReviewedTime = reviewed;
    const added = body.time("added_at");
    if (added !== undefined) change.addedAt = added;
    return c.json(queues.updateRun(queueRunId, change));
  });

  app.delete("/annotation-queues/:id/runs/:queueRunId", (c) => {
    const id = uuidPathParam(c, "id", "Annotation queue");
    queues.deleteRun(id, uuidPathParam(c, "queueRunId", "Annotation queue run"));
    return c.json({});
  });

  app.post("/annotation-queues/:id/runs/delete", async (c) => {
    const id = uuidPathParam(c, "id", "Annotation queue");
    const body = new StrictBody(await readJsonBody(c), "POST /annotation-queues/{id}/runs/delete", [
      "run_ids",
      "delete_all",
      "exclude_run_ids",
    ]);
    const runIds = body.uuids("run_ids");
    const all = body.flag("delete_all") === true;
    const keep = new Set(body.uuids("exclude_run_ids") ?? []);
    if (runIds === undefined && !all) throw new StudioHttpError(422, 'Send "run_ids" or "delete_all": true.');
    for (const entry of queues.listRuns(id, { offset: 0, limit: Number.MAX_SAFE_INTEGER })) {
      if (keep.has(entry.run_id)) continue;
      if (all || runIds?.includes(entry.run_id)) queues.deleteRun(id, entry.id);
    }
    return c.json({});
  });

  app.post("/annotation-queues/status/:queueRunId", async (c) => {
    const queueRunId = uuidPathParam(c, "queueRunId", "Annotation queue run");
    const body = new StrictBody(await readJsonBody(c), "POST /annotation-queues/status/{queue_run_id}", [
      "status",
      "override_added_at",
    ]);
    const status = body.choice("status", ["completed", "needs_review"] as const);
    const change: { status?: QueueRun["status"]; addedAt?: string } = {};
    if (status !== undefined) change.status = status;
    const added = body.time("override_added_at");
    if (added !== undefined) change.addedAt = added;
    return c.json(queues.updateRun(queueRunId, change));
  });

  app.get("/annotation-queues/:id/size", (c) => {
    const id = uuidPathParam(c, "id", "Annotation queue");
    const params = new StrictBody(queryObject(c.req.url), "GET /annotation-queues/{id}/size", ["status"]);
    return c.json({ size: queues.size(id, params.choice("status", STATUSES) ?? "needs_my_review") });
  });
  app.get("/annotation-queues/:id/total_size", (c) =>
    c.json({ size: queues.size(uuidPathParam(c, "id", "Annotation queue")) }),
  );
  app.get("/annotation-queues/:id/total_archived", (c) => {
    queues.require(uuidPathParam(c, "id", "Annotation queue"));
    return c.json({ size: 0 });
  });
  // The SDK's `retrieveQueues(runID)`: the path id is a run's.
  app.get("/annotation-queues/:id/queues", (c) => c.json(queues.queuesOf(uuidPathParam(c, "id", "Run"))));
}

function queueFields(body: StrictBody): AnnotationQueueFields {
  const fields: AnnotationQueueFields = {};
  const name = body.text("name");
  if (name !== undefined) fields.name = name;
  if (body.has("description")) fields.description = body.text("description") ?? null;
  if (body.has("default_dataset")) fields.default_dataset = body.uuid("default_dataset") ?? null;
  const reviewers = body.positive("num_reviewers_per_item", 1_000);
  if (reviewers !== undefined) fields.num_reviewers_per_item = reviewers;
  const reservations = body.flag("enable_reservations");
  if (reservations !== undefined) fields.enable_reservations = reservations;
  const minutes = body.positive("reservation_minutes", 100_000);
  if (minutes !== undefined) fields.reservation_minutes = minutes;
  if (body.has("rubric_instructions")) fields.rubric_instructions = body.text("rubric_instructions") ?? null;
  return { ...fields, ...jsonFields(body) };
}

function jsonFields(body: StrictBody): Pick<AnnotationQueueFields, "rubric_items" | "metadata"> {
  const out: Pick<AnnotationQueueFields, "rubric_items" | "metadata"> = {};
  const items = body.json("rubric_items");
  if (items !== undefined) {
    if (!Array.isArray(items))
      throw new StudioHttpError(422, '"rubric_items" must be a list of rubric items.');
    out.rubric_items = items;
  }
  const metadata = body.json("metadata");
  if (metadata !== undefined) {
    if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
      throw new StudioHttpError(422, '"metadata" must be a JSON object.');
    }
    out.metadata = metadata as Record<string, unknown>;
  }
  return out;
}

// The three bodies the SDK sends: run ids, `{run_id, ...}` objects, or run keys (`/by-key`).
function runIdsOf(store: StudioStore, body: unknown): string[] {
  if (!Array.isArray(body)) {
    throw new StudioHttpError(
      422,
      'Send a list of run ids, or of {"run_id": "...", "session_id": "...", "start_time": "..."}.',
    );
  }
  return body.map((item: unknown) => {
    const id = typeof item === "object" && item !== null ? (item as { run_id?: unknown }).run_id : item;
    if (!isUuid(id)) throw new StudioHttpError(422, `Not a run id: ${JSON.stringify(item)}.`);
    return store.runs.requireStored(id.toLowerCase()).id;
  });
}

function withRuns(store: StudioStore, entries: readonly QueueRun[]): Record<string, unknown>[] {
  const runs = entries.map((e) => store.runs.getStored(e.run_id));
  const present = runs.filter((r) => r !== undefined);
  const views = new Map(toRunViews(store.db, present, { tenantId: store.tenantId }).map((v) => [v.id, v]));
  return entries.flatMap((entry) => {
    const view = views.get(entry.run_id);
    if (view === undefined) return [];
    return [
      {
        ...view,
        queue_run_id: entry.id,
        added_at: entry.added_at,
        effective_added_at: entry.added_at,
        last_reviewed_time: entry.last_reviewed_time,
        status: view.status,
        review_status: entry.status,
        completed_by: entry.status === "completed" ? ["local"] : [],
        reserved_by: [],
      },
    ];
  });
}
