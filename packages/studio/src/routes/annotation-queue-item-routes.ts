import type { Hono } from "hono";
import { uuidPathParam } from "../http/query-params.ts";
import { readJsonBody } from "../http/read-json-body.ts";
import { queryObject, StrictBody } from "../http/strict-body.ts";
import { StudioHttpError } from "../http/studio-http-error.ts";
import type { QueueRun, QueueRunStatus } from "../store/annotation-queue-store.ts";
import { isUuid } from "../store/run-fields.ts";
import type { StudioStore } from "../store/studio-store.ts";

type Section = "needs_my_review" | "needs_others_review" | "archived";
const SECTIONS: readonly Section[] = ["needs_my_review", "needs_others_review", "archived"];
const PAGE = 100;

/**
 * Registers the platform queue items of `client.annotationQueues.items` over the same store as the
 * queue runs: an item is a run in a queue (`item_type: "RUN"`; thread items are a 422), and the
 * "archived" section is the completed ones. `POST …/items`, `GET …/items?status=`,
 * `POST /platform/annotation-queues/items/{id}/status`, `PATCH …/items/{id}`,
 * `POST …/items/delete`, `GET …/items/count` and `GET …/items/{id}/placement`.
 */
export function registerAnnotationQueueItemRoutes(app: Hono, store: StudioStore): void {
  const queues = store.annotationQueues;
  const base = "/platform/annotation-queues";

  app.post(`${base}/:id/items`, async (c) => {
    const queueId = uuidPathParam(c, "id", "Annotation queue");
    const body = new StrictBody(await readJsonBody(c), `POST ${base}/{id}/items`, ["items"]);
    const raw = body.json("items");
    if (!Array.isArray(raw))
      throw new StudioHttpError(422, '"items" must be a list of {"run_id": "..."} items.');
    const runIds = raw.map((item: unknown) => {
      const fields = new StrictBody(item, `an item of POST ${base}/{id}/items`, [
        "item_type",
        "run_id",
        "project_id",
        "session_id",
        "start_time",
        "source_proposed_example_id",
      ]);
      if (fields.text("item_type") === "THREAD") {
        throw new StudioHttpError(
          422,
          "Thread items are not served by the Catena studio: add the thread's runs.",
        );
      }
      const runId = fields.uuid("run_id");
      if (runId === undefined) throw new StudioHttpError(422, 'Each item needs a "run_id".');
      return store.runs.requireStored(runId).id;
    });
    return c.json({ items: queues.addRuns(queueId, runIds).map(toItem) });
  });

  app.get(`${base}/:id/items`, (c) => {
    const queueId = uuidPathParam(c, "id", "Annotation queue");
    const params = new StrictBody(queryObject(c.req.url), `GET ${base}/{id}/items`, [
      "status",
      "item_type",
      "cursor",
      "page_size",
    ]);
    const section = params.choice("status", SECTIONS);
    if (section === undefined)
      throw new StudioHttpError(422, `"status" is required: one of ${SECTIONS.join(", ")}.`);
    if (params.text("item_type") === "THREAD") return c.json({ items: [], next_cursor: "" });
    const offset = Number(params.text("cursor") ?? 0) || 0;
    const limit = params.positive("page_size", PAGE) ?? PAGE;
    const runs = queues.listRuns(queueId, { status: statusOf(section), offset, limit: limit + 1 });
    return c.json({
      items: runs.slice(0, limit).map(toItem),
      next_cursor: runs.length > limit ? String(offset + limit) : "",
    });
  });

  app.get(`${base}/:id/items/count`, (c) => {
    const queueId = uuidPathParam(c, "id", "Annotation queue");
    const params = new StrictBody(queryObject(c.req.url), `GET ${base}/{id}/items/count`, ["status"]);
    const status = params.text("status") ?? "all";
    if (status !== "all" && !(SECTIONS as readonly string[]).includes(status)) {
      throw new StudioHttpError(422, `"status" must be all, ${SECTIONS.join(", ")}.`);
    }
    return c.json({
      count: queues.size(queueId, status === "all" ? undefined : statusOf(status as Section)),
    });
  });

  app.post(`${base}/items/:itemId/status`, async (c) => {
    const itemId = uuidPathParam(c, "itemId", "Annotation queue item");
    const body = new StrictBody(await readJsonBody(c), `POST ${base}/items/{id}/status`, [
      "status",
      "override_added_at",
    ]);
    const status = body.choice("status", ["viewed", "completed"] as const);
    const change: { status?: QueueRun["status"]; addedAt?: string } = {};
    if (status === "completed") change.status = "completed";
    const added = body.time("override_added_at");
    if (added !== undefined) change.addedAt = added;
    return c.json(toItem(queues.updateRun(itemId, change)));
  });

  app.patch(`${base}/:id/items/:itemId`, async (c) => {
    const itemId = uuidPathParam(c, "itemId", "Annotation queue item");
    const body = new StrictBody(await readJsonBody(c), `PATCH ${base}/{id}/items/{item_id}`, [
      "added_at",
      "last_reviewed_time",
    ]);
    const change: { lastReviewedTime?: string; addedAt?: string } = {};
    const reviewed = body.time("last_reviewed_time");
    if (reviewed !== undefined) change.lastReviewedTime = reviewed;
    const added = body.time("added_at");
    if (added !== undefined) change.addedAt = added;
    return c.json(toItem(queues.updateRun(itemId, change)));
  });

  app.post(`${base}/:id/items/delete`, async (c) => {
    const queueId = uuidPathParam(c, "id", "Annotation queue");
    const body = new StrictBody(await readJsonBody(c), `POST ${base}/{id}/items/delete`, ["item_ids"]);
    const ids = body.uuids("item_ids") ?? [];
    queues.require(queueId);
    for (const id of ids) queues.deleteRun(queueId, id);
    return c.json({ deleted: ids.length });
  });

  app.get(`${base}/:id/items/:itemId/placement`, (c) => {
    const queueId = uuidPathParam(c, "id", "Annotation queue");
    const itemId = c.req.param("itemId");
    if (!isUuid(itemId))
      throw new StudioHttpError(404, `Annotation queue item ${JSON.stringify(itemId)} not found.`);
    const item = queues.requireRun(itemId.toLowerCase());
    const section: Section = item.status === "completed" ? "archived" : "needs_my_review";
    const list = queues.listRuns(queueId, {
      status: statusOf(section),
      offset: 0,
      limit: Number.MAX_SAFE_INTEGER,
    });
    const position = list.findIndex((r) => r.id === item.id);
    return c.json({ item_type: "RUN", section, position, cursor: String(position) });
  });
}

function statusOf(section: Section): QueueRunStatus {
  return section === "archived" ? "completed" : section;
}

function toItem(run: QueueRun): Record<string, unknown> {
  return {
    id: run.id,
    queue_id: run.queue_id,
    run_id: run.run_id,
    item_type: "RUN",
    added_at: run.added_at,
    effective_added_at: run.added_at,
    last_reviewed_time: run.last_reviewed_time,
    completed_by: run.status === "completed" ? ["local"] : [],
    reserved_by: [],
  };
}
