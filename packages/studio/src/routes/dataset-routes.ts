import type { Hono } from "hono";
import { pageParams, uuidParams, uuidPathParam } from "../http/query-params.ts";
import { readJsonBody } from "../http/read-json-body.ts";
import { type DatasetListQuery, toDatasetCreate } from "../store/dataset-store.ts";
import type { StudioStore } from "../store/studio-store.ts";

/**
 * Registers datasets: `POST /datasets`, `GET /datasets?name=&id=&name_contains=&offset=&limit=`,
 * `GET /datasets/{id}` and `DELETE /datasets/{id}`.
 */
export function registerDatasetRoutes(app: Hono, store: StudioStore): void {
  app.post("/datasets", async (c) => c.json(store.datasets.create(toDatasetCreate(await readJsonBody(c)))));

  app.get("/datasets", (c) => {
    const query: DatasetListQuery = { ...pageParams(c) };
    const ids = uuidParams(c, "id");
    if (ids !== undefined) query.ids = ids;
    const name = c.req.query("name");
    if (name !== undefined) query.name = name;
    const contains = c.req.query("name_contains");
    if (contains !== undefined) query.nameContains = contains;
    return c.json(store.datasets.list(query));
  });

  app.get("/datasets/:id", (c) => c.json(store.datasets.require(uuidPathParam(c, "id", "Dataset"))));

  app.delete("/datasets/:id", (c) => {
    store.transaction(() => store.datasets.delete(uuidPathParam(c, "id", "Dataset")));
    return c.json({});
  });
}
