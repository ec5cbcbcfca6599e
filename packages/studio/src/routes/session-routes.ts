import type { Hono } from "hono";
import { metadataParam } from "../http/metadata-param.ts";
import { pageParams, uuidParams, uuidPathParam } from "../http/query-params.ts";
import { readJsonBody } from "../http/read-json-body.ts";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { isUuid } from "../store/run-fields.ts";
import type { SessionCreate, SessionUpdate } from "../store/session-store.ts";
import type { StudioStore } from "../store/studio-store.ts";
import { toStudioTimestamp } from "../store/studio-timestamp.ts";

/**
 * Registers sessions (projects): `GET /sessions` (by `name`, `id`, `name_contains`,
 * `reference_dataset`, offset/limit, `sort_by` start_time or name with `sort_by_desc`), `GET /sessions/{id}`, `POST /sessions[?upsert=true]`,
 * `PATCH /sessions/{id}` and `DELETE /sessions/{id}`.
 */
export function registerSessionRoutes(app: Hono, store: StudioStore): void {
  app.get("/sessions", (c) => {
    const query: Parameters<typeof store.sessions.list>[0] = { ...pageParams(c) };
    const ids = uuidParams(c, "id");
    if (ids !== undefined) query.ids = ids;
    const name = c.req.query("name");
    if (name !== undefined) query.name = name;
    const contains = c.req.query("name_contains");
    if (contains !== undefined) query.nameContains = contains;
    const dataset = uuidParams(c, "reference_dataset");
    if (dataset?.[0] !== undefined) query.referenceDatasetId = dataset[0];
    if (c.req.query("include_stats") === "true") query.includeStats = true;
    const referenceFree = c.req.query("reference_free");
    if (referenceFree === "true" || referenceFree === "false") query.referenceFree = referenceFree === "true";
    const metadata = metadataParam(c);
    if (metadata !== undefined) query.metadata = metadata;
    const sortBy = c.req.query("sort_by");
    if (sortBy !== undefined) {
      if (sortBy !== "start_time" && sortBy !== "name") {
        throw new StudioHttpError(
          422,
          `GET /sessions sorts by "start_time" or "name" in the Catena studio (got sort_by=${JSON.stringify(sortBy)}): use one of them.`,
        );
      }
      query.sortBy = sortBy;
    }
    if (c.req.query("sort_by_desc") === "true") query.descending = true;
    const version = c.req.query("dataset_version");
    if (version !== undefined && version !== "") {
      throw new StudioHttpError(
        422,
        'GET /sessions does not support "dataset_version" in the Catena studio: leave it out.',
      );
    }
    return c.json(store.sessions.list(query));
  });

  app.get("/sessions/:id", (c) => {
    const session = store.sessions.require(uuidPathParam(c, "id", "Session"));
    return c.json(
      c.req.query("include_stats") === "true"
        ? store.sessions.list({ ids: [session.id], includeStats: true, offset: 0, limit: 1 })[0]
        : session,
    );
  });

  app.post("/sessions", async (c) => {
    const body = asObject(await readJsonBody(c), "POST /sessions");
    if (typeof body.name !== "string" || body.name.trim() === "") {
      throw new StudioHttpError(
        422,
        'POST /sessions: "name" is required (the project name runs are sent with).',
      );
    }
    const input: SessionCreate = { name: body.name };
    if (body.id !== undefined && body.id !== null) {
      if (!isUuid(body.id)) throw new StudioHttpError(422, 'POST /sessions: "id" must be a UUID.');
      input.id = body.id.toLowerCase();
    }
    if (typeof body.description === "string") input.description = body.description;
    if (isRecord(body.extra)) input.extra = body.extra;
    if (isUuid(body.reference_dataset_id))
      input.reference_dataset_id = body.reference_dataset_id.toLowerCase();
    if (body.start_time != null) input.start_time = toStudioTimestamp(body.start_time, "start_time");
    const session = store.sessions.create(input, c.req.query("upsert") === "true");
    return c.json(session, 201);
  });

  app.patch("/sessions/:id", async (c) => {
    const id = uuidPathParam(c, "id", "Session");
    const body = asObject(await readJsonBody(c), "PATCH /sessions/{id}");
    const update: SessionUpdate = {};
    if (typeof body.name === "string") update.name = body.name;
    if (typeof body.description === "string") update.description = body.description;
    if (isRecord(body.extra)) update.extra = body.extra;
    if (body.end_time != null) update.end_time = toStudioTimestamp(body.end_time, "end_time");
    return c.json(store.sessions.update(id, update));
  });

  app.delete("/sessions/:id", (c) => {
    store.transaction(() => store.sessions.delete(uuidPathParam(c, "id", "Session")));
    return c.json({});
  });
}

function asObject(body: unknown, where: string): Record<string, unknown> {
  if (!isRecord(body)) throw new StudioHttpError(422, `The body of ${where} must be a JSON object.`);
  return body;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
