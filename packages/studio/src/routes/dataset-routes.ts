import type { Hono } from "hono";
import { metadataParam } from "../http/metadata-param.ts";
import { pageParams, uuidParams, uuidPathParam } from "../http/query-params.ts";
import { readJsonBody } from "../http/read-json-body.ts";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { type DatasetListQuery, toDatasetCreate, toDatasetUpdate } from "../store/dataset-store.ts";
import { toOpenAiFinetuning } from "../store/openai-finetuning.ts";
import { isUuid } from "../store/run-fields.ts";
import type { StudioStore } from "../store/studio-store.ts";

/**
 * Registers datasets: `POST /datasets`, `GET /datasets?name=&id=&name_contains=&offset=&limit=`,
 * `GET /datasets/{id}`, `PATCH /datasets/{id}` (`updateDataset`), `DELETE /datasets/{id}`, and the
 * split names `GET /datasets/{id}/splits` (`listDatasetSplits`) and `PUT /datasets/{id}/splits`,
 * and `GET /datasets/{id}/openai_ft` (`readDatasetOpenaiFinetuning`: JSON lines of chat messages).
 * The similar-example search of SDKs before 0.4 (`POST /datasets/{id}/index` and `/search`) is a
 * 501 that names the feature and the way around it.
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
    const metadata = metadataParam(c);
    if (metadata !== undefined) query.metadata = metadata;
    return c.json(store.datasets.list(query));
  });

  app.get("/datasets/:id", (c) => c.json(store.datasets.require(uuidPathParam(c, "id", "Dataset"))));

  app.patch("/datasets/:id", async (c) => {
    const id = uuidPathParam(c, "id", "Dataset");
    const update = toDatasetUpdate(await readJsonBody(c));
    return c.json(store.transaction(() => store.datasets.update(id, update)));
  });

  app.get("/datasets/:id/splits", (c) => c.json(store.examples.splits(uuidPathParam(c, "id", "Dataset"))));

  // The SDK's older route for updateDatasetSplits, used when the bulk metadata one is missing.
  app.put("/datasets/:id/splits", async (c) => {
    const id = uuidPathParam(c, "id", "Dataset");
    const body = (await readJsonBody(c)) as Record<string, unknown> | null;
    const split = body?.split_name;
    const examples = body?.examples;
    if (typeof split !== "string" || split === "" || !Array.isArray(examples) || !examples.every(isUuid)) {
      throw new StudioHttpError(
        422,
        'PUT /datasets/{id}/splits takes {"split_name": "train", "examples": ["<example id>"], "remove": false}.',
      );
    }
    const operation = body?.remove === true ? "array_remove" : "array_add";
    store.transaction(() =>
      store.examples.updateMetadataArrays(
        id,
        examples.map((e) => e.toLowerCase()),
        [{ key: "dataset_split", operation, values: [split] }],
      ),
    );
    return c.json(store.examples.splits(id));
  });

  app.get("/datasets/:id/openai_ft", (c) => {
    const id = uuidPathParam(c, "id", "Dataset");
    store.datasets.require(id);
    const lines = store.examples.all({ datasetId: id }).map((e) => JSON.stringify(toOpenAiFinetuning(e)));
    return c.body(lines.join("\n"), 200, { "content-type": "application/jsonl" });
  });

  // LangSmith ranks examples by embeddings it computes when a dataset is indexed; the studio keeps
  // none. A 501 (which no SDK retries) says so at once, where a 404 would read as a wrong id.
  const similarSearch = [
    ["index", "indexDataset", "Indexing a dataset for similar-example search"],
    ["search", "similarExamples", "Similar-example search"],
  ] as const;
  for (const [path, call, feature] of similarSearch) {
    app.post(`/datasets/:id/${path}`, () => {
      throw new StudioHttpError(
        501,
        `${feature} (the SDK's ${call}: POST /datasets/{id}/${path}) is a LangSmith feature the Catena studio does not have: it keeps no embeddings of examples. Read the examples with listExamples and rank them yourself (for instance with @catena/core/ml's VectorIndex), or send these calls to LangSmith.`,
      );
    });
  }

  app.delete("/datasets/:id", (c) => {
    store.transaction(() => store.datasets.delete(uuidPathParam(c, "id", "Dataset")));
    return c.json({});
  });
}
