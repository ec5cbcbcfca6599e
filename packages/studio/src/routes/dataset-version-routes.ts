import type { Context, Hono } from "hono";
import { pageParams, uuidPathParam } from "../http/query-params.ts";
import { readJsonBody } from "../http/read-json-body.ts";
import { queryObject, StrictBody } from "../http/strict-body.ts";
import { StudioHttpError } from "../http/studio-http-error.ts";
import type { StudioStore } from "../store/studio-store.ts";

/**
 * Registers dataset versions as the SDK calls them: `GET /datasets/{id}/version?as_of=|tag=`
 * (`readDatasetVersion`), `GET /datasets/{id}/versions`, `PUT /datasets/{id}/tags`
 * (`updateDatasetTag`), `GET /datasets/{id}/versions/diff` (`diffDatasetVersions`) and the hard
 * delete `POST /v1/platform/datasets/examples/delete` (`deleteExamples(ids, { hardDelete: true })`),
 * which also forgets the examples' past versions. `GET /examples?as_of=` reads a version.
 */
export function registerDatasetVersionRoutes(app: Hono, store: StudioStore): void {
  const versions = store.datasetVersions;

  app.get("/datasets/:id/version", (c) => {
    const dataset = store.datasets.require(uuidPathParam(c, "id", "Dataset"));
    const params = new StrictBody(queryObject(c.req.url), "GET /datasets/{id}/version", ["as_of", "tag"]);
    const asOf = params.text("as_of");
    const tag = params.text("tag");
    if ((asOf === undefined) === (tag === undefined)) {
      throw new StudioHttpError(422, 'Give exactly one of "as_of" (a time) and "tag".');
    }
    return c.json(versions.version(dataset.id, (asOf ?? tag)!));
  });

  app.get("/datasets/:id/versions", (c) => {
    const dataset = store.datasets.require(uuidPathParam(c, "id", "Dataset"));
    const { offset, limit } = pageParams(c);
    return c.json(versions.list(dataset.id, limit, offset));
  });

  app.put("/datasets/:id/tags", async (c) => {
    const dataset = store.datasets.require(uuidPathParam(c, "id", "Dataset"));
    const body = new StrictBody(await readJsonBody(c), "PUT /datasets/{id}/tags", ["as_of", "tag"]);
    const tag = body.text("tag");
    const asOf = body.text("as_of");
    if (tag === undefined || tag === "" || asOf === undefined) {
      throw new StudioHttpError(422, 'Send "tag" (a name such as "prod") and "as_of" (the version\'s time).');
    }
    return c.json(versions.tag(dataset.id, tag, asOf));
  });

  app.get("/datasets/:id/versions/diff", (c) => {
    const dataset = store.datasets.require(uuidPathParam(c, "id", "Dataset"));
    const params = new StrictBody(queryObject(c.req.url), "GET /datasets/{id}/versions/diff", [
      "from_version",
      "to_version",
    ]);
    const from = params.text("from_version");
    const to = params.text("to_version");
    if (from === undefined || to === undefined) {
      throw new StudioHttpError(422, 'Give "from_version" and "to_version" (times or tags).');
    }
    return c.json(versions.diff(dataset.id, from, to));
  });

  const hardDelete = async (c: Context) => {
    const body = new StrictBody(await readJsonBody(c), "POST /v1/platform/datasets/examples/delete", [
      "example_ids",
      "hard_delete",
    ]);
    const ids = body.uuids("example_ids") ?? [];
    if (ids.length === 0) throw new StudioHttpError(422, 'Send "example_ids": the examples to delete.');
    const hard = body.flag("hard_delete") === true;
    store.transaction(() => {
      store.examples.delete(ids);
      if (hard) versions.purge(ids);
    });
    return c.json({ example_ids: ids, count: ids.length });
  };
  app.post("/v1/platform/datasets/examples/delete", hardDelete);
  app.post("/platform/datasets/examples/delete", hardDelete);
}
