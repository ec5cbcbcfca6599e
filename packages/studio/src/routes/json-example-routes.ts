import type { Hono } from "hono";
import { uuidPathParam } from "../http/query-params.ts";
import { readJsonBody } from "../http/read-json-body.ts";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { type ExampleEntry, exampleUpdateOf, exampleUploadOf } from "../multipart/read-example-uploads.ts";
import type { ExampleUpdate, ExampleUpload } from "../store/example-store.ts";
import { isUuid } from "../store/run-fields.ts";
import type { StudioStore } from "../store/studio-store.ts";

/**
 * Registers the JSON example routes of LangSmith that SDKs before 0.3 call (newer ones upload
 * multipart to `/v1/platform/datasets/{id}/examples`): `POST /examples` (`createExample`),
 * `POST /examples/bulk` (`createExamples`), `PATCH /examples/{id}` (`updateExample`) and
 * `PATCH /examples/bulk` (`updateExamples`). Each example is checked as the multipart one is.
 * Register before any `/examples/:id` route of the same method: `bulk` is not an id.
 */
export function registerJsonExampleRoutes(app: Hono, store: StudioStore): void {
  app.post("/examples", async (c) => {
    const { datasetId, upload } = toCreate(await readJsonBody(c), "POST /examples");
    const [id] = store.transaction(() => store.examples.upload(datasetId, [upload]));
    return c.json(store.examples.require(id as string));
  });

  app.post("/examples/bulk", async (c) => {
    const creates = listOf(await readJsonBody(c), "POST /examples/bulk").map((item, i) =>
      toCreate(item, `POST /examples/bulk [${i}]`),
    );
    store.transaction(() => {
      for (const [datasetId, uploads] of groupByDataset(creates, (x) => x.upload))
        store.examples.upload(datasetId, uploads);
    });
    return c.json(creates.map((x) => store.examples.require(x.upload.id)));
  });

  app.patch("/examples/bulk", async (c) => {
    const changes = listOf(await readJsonBody(c), "PATCH /examples/bulk").map((item, i) => {
      const where = `PATCH /examples/bulk [${i}]`;
      const id = (item as Record<string, unknown> | null)?.id;
      if (!isUuid(id)) throw new StudioHttpError(422, `${where}: "id" must be the example's UUID.`);
      return toChange(store, id.toLowerCase(), item, where);
    });
    store.transaction(() => {
      for (const [datasetId, updates] of groupByDataset(changes, (x) => x.update))
        store.examples.update(datasetId, updates);
    });
    return c.json(changes.map((x) => store.examples.require(x.update.id)));
  });

  app.patch("/examples/:id", async (c) => {
    const id = uuidPathParam(c, "id", "Example");
    const { datasetId, update } = toChange(store, id, await readJsonBody(c), "PATCH /examples/{id}");
    store.transaction(() => store.examples.update(datasetId, [update]));
    return c.json(store.examples.require(id));
  });
}

/** `{dataset_id, inputs, outputs?, metadata?, split?, source_run_id?, created_at?, id?}`, checked. */
function toCreate(raw: unknown, where: string): { datasetId: string; upload: ExampleUpload } {
  const body = asObject(raw, where, '{"dataset_id": "<uuid>", "inputs": {...}, "outputs": {...}}');
  if (!isUuid(body.dataset_id)) {
    throw new StudioHttpError(422, `${where}: "dataset_id" must be the UUID of the example's dataset.`);
  }
  if (body.id !== undefined && body.id !== null && !isUuid(body.id)) {
    throw new StudioHttpError(422, `${where}: "id" must be a UUID, or left out for a new one.`);
  }
  const id = isUuid(body.id) ? body.id.toLowerCase() : crypto.randomUUID();
  return { datasetId: body.dataset_id.toLowerCase(), upload: exampleUploadOf(id, entryOf(body)) };
}

/** `{inputs?, outputs?, metadata?, split?, dataset_id?}` of an existing example, checked. */
function toChange(
  store: StudioStore,
  id: string,
  raw: unknown,
  where: string,
): { datasetId: string; update: ExampleUpdate } {
  const body = asObject(raw, where, '{"inputs": {...}, "outputs": {...}, "metadata": {...}}');
  const datasetId = store.examples.require(id).dataset_id;
  if (body.dataset_id != null && (!isUuid(body.dataset_id) || body.dataset_id.toLowerCase() !== datasetId)) {
    throw new StudioHttpError(
      422,
      `${where}: example ${id} is in dataset ${datasetId}; the Catena studio does not move examples between datasets (leave "dataset_id" out).`,
    );
  }
  return { datasetId, update: exampleUpdateOf(id, entryOf(body)) };
}

function entryOf(body: Record<string, unknown>): ExampleEntry {
  const entry: ExampleEntry = { body, attachments: [] };
  if ("inputs" in body) entry.inputs = body.inputs;
  if ("outputs" in body) entry.outputs = body.outputs;
  if ("attachments_operations" in body) entry.attachmentsOperations = body.attachments_operations;
  return entry;
}

function groupByDataset<T extends { datasetId: string }, U>(
  items: readonly T[],
  pick: (item: T) => U,
): Map<string, U[]> {
  const groups = new Map<string, U[]>();
  for (const item of items) {
    const group = groups.get(item.datasetId) ?? [];
    group.push(pick(item));
    groups.set(item.datasetId, group);
  }
  return groups;
}

function listOf(body: unknown, where: string): unknown[] {
  if (!Array.isArray(body) || body.length === 0) {
    throw new StudioHttpError(422, `The body of ${where} must be a non-empty JSON array of examples.`);
  }
  return body;
}

function asObject(raw: unknown, where: string, shape: string): Record<string, unknown> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new StudioHttpError(422, `The body of ${where} must be a JSON object such as ${shape}.`);
  }
  return raw as Record<string, unknown>;
}
