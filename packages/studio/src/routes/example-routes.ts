import type { Context, Hono } from "hono";
import { attachmentResponse } from "../http/attachment-response.ts";
import { assertJsonDepth } from "../http/json-depth.ts";
import { checkPresigned, isPresigned } from "../http/presigned-path.ts";
import { pageParams, uuidParams, uuidPathParam } from "../http/query-params.ts";
import { readJsonBody } from "../http/read-json-body.ts";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { parseMultipart } from "../multipart/parse-multipart.ts";
import { readExampleUpdates, readExampleUploads } from "../multipart/read-example-uploads.ts";
import { compileExampleFilter } from "../store/example-filter.ts";
import {
  type ExampleListQuery,
  exampleAttachmentPath,
  type MetadataArrayOperation,
} from "../store/example-store.ts";
import { isUuid } from "../store/run-fields.ts";
import type { StudioStore } from "../store/studio-store.ts";
import { exampleSelection, selectExampleFields } from "./example-select.ts";

/**
 * Requests that need no API key: an example's or a run's attachment fetched through its presigned
 * URL (the route checks the signature and expiry).
 */
export function isPresignedAttachmentRequest(path: string, url: string): boolean {
  return /^\/(examples|runs)\/[^/]+\/attachments\/[^/]+$/.test(path) && isPresigned(new URL(url));
}

/**
 * Registers examples: the multipart upload `POST /v1/platform/datasets/{id}/examples` (the SDK's
 * `createExamples`; also under `/platform/...`), `GET /examples/{id}`,
 * `GET /examples?dataset=&id=&splits=&metadata=&offset=&limit=`, `DELETE /examples/{id}`,
 * `DELETE /examples?example_ids=` and `GET /examples/{id}/attachments/{name}`.
 */
export function registerExampleRoutes(app: Hono, store: StudioStore): void {
  const upload = async (c: Context) => {
    const datasetId = uuidPathParam(c, "id", "Dataset");
    const parts = await parseMultipart(
      new Uint8Array(await c.req.arrayBuffer()),
      c.req.header("content-type"),
    );
    const uploads = readExampleUploads(parts);
    const ids = store.transaction(() => store.examples.upload(datasetId, uploads));
    return c.json({ example_ids: ids, count: ids.length }, 201);
  };
  app.post("/v1/platform/datasets/:id/examples", upload);
  app.post("/platform/datasets/:id/examples", upload);

  const update = async (c: Context) => {
    const datasetId = uuidPathParam(c, "id", "Dataset");
    const parts = await parseMultipart(
      new Uint8Array(await c.req.arrayBuffer()),
      c.req.header("content-type"),
    );
    const updates = readExampleUpdates(parts);
    const ids = store.transaction(() => store.examples.update(datasetId, updates));
    return c.json({ example_ids: ids, count: ids.length });
  };
  app.patch("/v1/platform/datasets/:id/examples", update);
  app.patch("/platform/datasets/:id/examples", update);

  const metadata = async (c: Context) => {
    const datasetId = uuidPathParam(c, "id", "Dataset");
    const { ids, operations } = toMetadataOperations(await readJsonBody(c));
    store.transaction(() => store.examples.updateMetadataArrays(datasetId, ids, operations));
    return c.json({ example_ids: ids, count: ids.length });
  };
  app.patch("/v1/platform/datasets/:id/examples/metadata", metadata);
  app.patch("/platform/datasets/:id/examples/metadata", metadata);

  app.get("/examples/:id", (c) => c.json(store.examples.require(uuidPathParam(c, "id", "Example"))));

  app.get("/examples", (c) => {
    const query: ExampleListQuery = { ...pageParams(c) };
    const dataset = uuidParams(c, "dataset");
    if (dataset?.[0] !== undefined) query.datasetId = dataset[0];
    const ids = uuidParams(c, "id");
    if (ids !== undefined) query.ids = ids;
    const splits = c.req.queries("splits");
    if (splits !== undefined) query.splits = splits;
    const metadata = c.req.query("metadata");
    if (metadata !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(metadata);
      } catch {
        parsed = undefined;
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new StudioHttpError(
          422,
          `Query parameter "metadata" must be a JSON object, e.g. {"source":"cli"}.`,
        );
      }
      assertJsonDepth(parsed, 'Query parameter "metadata"');
      query.metadata = parsed as Record<string, unknown>;
    }
    const filter = c.req.query("filter");
    if (filter !== undefined && filter !== "") query.filter = compileExampleFilter(filter);
    const asOf = c.req.query("as_of");
    if (asOf !== undefined && asOf !== "") {
      if (query.datasetId === undefined) {
        throw new StudioHttpError(422, 'Query parameter "as_of" needs "dataset": versions are per dataset.');
      }
      query.asOf = store.datasetVersions.resolve(query.datasetId, asOf);
    }
    const examples = store.examples.list(query);
    const fields = exampleSelection(c);
    return c.json(fields === undefined ? examples : examples.map((e) => selectExampleFields(e, fields)));
  });

  app.delete("/examples/:id", (c) => {
    store.transaction(() => store.examples.delete([uuidPathParam(c, "id", "Example")]));
    return c.json({});
  });

  app.delete("/examples", (c) => {
    const ids = uuidParams(c, "example_ids");
    if (ids === undefined)
      throw new StudioHttpError(422, "DELETE /examples needs ?example_ids=<id>&example_ids=<id>.");
    store.transaction(() => store.examples.delete(ids));
    return c.json({});
  });

  app.get("/examples/:id/attachments/:name", (c) => {
    const id = uuidPathParam(c, "id", "Example");
    const name = c.req.param("name") ?? "";
    const url = new URL(c.req.url);
    if (isPresigned(url)) checkPresigned(store.urlSigningKey, exampleAttachmentPath(id, name), url);
    const attachment = store.examples.attachment(id, name);
    if (attachment === undefined)
      throw new StudioHttpError(404, `Example ${id} has no attachment named ${JSON.stringify(name)}.`);
    return attachmentResponse(c, name, attachment);
  });
}

/** Checks the body `updateDatasetSplits` sends: `{example_ids, operations: [{key, operation, values}]}`. */
function toMetadataOperations(body: unknown): { ids: string[]; operations: MetadataArrayOperation[] } {
  const fail = (): never => {
    throw new StudioHttpError(
      422,
      'The body must be {"example_ids": ["<id>"], "operations": [{"key": "dataset_split", "operation": "array_add", "values": ["train"]}]} (operations array_add or array_remove).',
    );
  };
  if (typeof body !== "object" || body === null || Array.isArray(body)) return fail();
  const raw = body as Record<string, unknown>;
  if (!Array.isArray(raw.example_ids) || !raw.example_ids.every(isUuid)) return fail();
  if (!Array.isArray(raw.operations)) return fail();
  const operations = raw.operations.map((op: unknown): MetadataArrayOperation => {
    if (typeof op !== "object" || op === null) return fail();
    const { key, operation, values } = op as Record<string, unknown>;
    const kind = typeof operation === "string" ? operation.toLowerCase() : "";
    if (typeof key !== "string" || key === "" || (kind !== "array_add" && kind !== "array_remove"))
      return fail();
    if (!Array.isArray(values) || !values.every((v) => typeof v === "string")) return fail();
    return { key, operation: kind, values: values as string[] };
  });
  return { ids: (raw.example_ids as string[]).map((id) => id.toLowerCase()), operations };
}
