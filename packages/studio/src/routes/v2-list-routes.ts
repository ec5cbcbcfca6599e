import type { Hono } from "hono";
import { uuidPathParam } from "../http/query-params.ts";
import { queryObject, StrictBody } from "../http/strict-body.ts";
import { StudioHttpError } from "../http/studio-http-error.ts";
import type { StudioStore } from "../store/studio-store.ts";

const PAGE = 100;

/**
 * Registers the v2 project and dataset lists (`client.sessions.listV2`, `client.datasets.listV2`,
 * cursor-paged; the cursor is an offset) and `GET /api/v2/runs/{id}/url` (`client.runs.getURL`).
 * Parameters the studio does not honour (`filter`, `metadata`, `sort_by`, …) are a 422 naming them.
 */
export function registerV2ListRoutes(app: Hono, store: StudioStore, publicUrl: () => string): void {
  app.get("/api/v2/sessions", (c) => {
    const params = new StrictBody(
      queryObject(c.req.url, ["id", "reference_dataset_id"]),
      "GET /api/v2/sessions",
      ["id", "name", "name_contains", "reference_dataset_id", "include_stats", "cursor", "page_size"],
    );
    const { offset, limit } = page(params);
    const query: Parameters<typeof store.sessions.list>[0] = { offset, limit: limit + 1 };
    const ids = params.uuids("id");
    if (ids !== undefined) query.ids = ids;
    const name = params.text("name");
    if (name !== undefined) query.name = name;
    const contains = params.text("name_contains");
    if (contains !== undefined) query.nameContains = contains;
    const datasets = params.uuids("reference_dataset_id");
    if (datasets !== undefined) {
      if (datasets.length !== 1)
        throw new StudioHttpError(422, '"reference_dataset_id" takes one dataset id here.');
      query.referenceDatasetId = datasets[0]!;
    }
    if (params.flag("include_stats") === true) query.includeStats = true;
    return c.json(paged(store.sessions.list(query), offset, limit));
  });

  app.get("/api/v2/datasets", (c) => {
    const params = new StrictBody(queryObject(c.req.url, ["id"]), "GET /api/v2/datasets", [
      "id",
      "name",
      "name_contains",
      "cursor",
      "page_size",
    ]);
    const { offset, limit } = page(params);
    const query: Parameters<typeof store.datasets.list>[0] = { offset, limit: limit + 1 };
    const ids = params.uuids("id");
    if (ids !== undefined) query.ids = ids;
    const name = params.text("name");
    if (name !== undefined) query.name = name;
    const contains = params.text("name_contains");
    if (contains !== undefined) query.nameContains = contains;
    return c.json(paged(store.datasets.list(query), offset, limit));
  });

  // `client.datasets.examples.delete`: the example of that dataset, gone for good.
  app.delete("/platform/datasets/:id/examples/:exampleId", (c) => {
    const datasetId = uuidPathParam(c, "id", "Dataset");
    const exampleId = uuidPathParam(c, "exampleId", "Example");
    if (store.examples.require(exampleId).dataset_id !== datasetId) {
      throw new StudioHttpError(404, `Example ${exampleId} is not in dataset ${datasetId}.`);
    }
    store.transaction(() => store.examples.delete([exampleId]));
    return c.body(null, 204);
  });

  app.get("/api/v2/runs/:id/url", (c) => {
    const id = uuidPathParam(c, "id", "Run");
    const params = new StrictBody(queryObject(c.req.url), "GET /api/v2/runs/{id}/url", [
      "project_id",
      "trace_id",
      "start_time",
    ]);
    const run = store.runs.requireStored(id);
    const project = params.uuid("project_id") ?? run.session_id;
    const trace = params.uuid("trace_id") ?? run.trace_id;
    return c.json({
      url: `${publicUrl()}/o/${store.tenantId}/projects/p/${project}/r/${id}?trace_id=${trace}`,
    });
  });
}

function page(params: StrictBody): { offset: number; limit: number } {
  const cursor = params.text("cursor");
  const offset = cursor === undefined || cursor === "" ? 0 : Number(cursor);
  if (!Number.isInteger(offset) || offset < 0) {
    throw new StudioHttpError(
      422,
      `"cursor" ${JSON.stringify(cursor)} is not a cursor of this studio: pass back next_cursor.`,
    );
  }
  return { offset, limit: params.positive("page_size", PAGE) ?? PAGE };
}

function paged<T>(rows: readonly T[], offset: number, limit: number): { items: T[]; next_cursor: string } {
  return { items: rows.slice(0, limit), next_cursor: rows.length > limit ? String(offset + limit) : "" };
}
