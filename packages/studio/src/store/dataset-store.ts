import { randomUUID } from "node:crypto";
import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { fromJsonColumn, numberColumn, textColumn, toJsonColumn } from "./json-column.ts";
import { metadataMatch } from "./metadata-match.ts";
import { isUuid } from "./run-fields.ts";
import { studioNow } from "./studio-timestamp.ts";

/** A dataset: named examples for evals, in LangSmith's shape. */
export interface StudioDataset {
  id: string;
  name: string;
  description: string | null;
  data_type: string;
  extra: Record<string, unknown> | null;
  inputs_schema_definition: unknown;
  outputs_schema_definition: unknown;
  created_at: string;
  modified_at: string;
  example_count: number;
  session_count: number;
  last_session_start_time: string | null;
  tenant_id: string;
}

/** A checked `POST /datasets` body. */
export interface DatasetCreate {
  id?: string;
  name: string;
  description?: string | null;
  data_type?: string;
  extra?: Record<string, unknown> | null;
  inputs_schema_definition?: unknown;
  outputs_schema_definition?: unknown;
}

/** A checked `PATCH /datasets/{id}` body (the SDK's `updateDataset`). */
export interface DatasetUpdate {
  name?: string;
  /** `null` clears it (LangSmith's PATCH: a field sent as null is set to null, one left out is kept). */
  description?: string | null;
  metadata?: Record<string, unknown>;
  inputs_schema_definition?: unknown;
  outputs_schema_definition?: unknown;
}

/** Checks a `PATCH /datasets/{id}` body: `name`, `description`, `metadata` and the schemas, all optional. */
export function toDatasetUpdate(body: unknown): DatasetUpdate {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new StudioHttpError(
      422,
      'The body of PATCH /datasets/{id} must be a JSON object such as {"name": "new-name", "description": "..."}.',
    );
  }
  const raw = body as Record<string, unknown>;
  const out: DatasetUpdate = {};
  if (raw.name !== undefined && raw.name !== null) {
    if (typeof raw.name !== "string" || raw.name.trim() === "") {
      throw new StudioHttpError(422, '"name" must be a non-empty string.');
    }
    out.name = raw.name;
  }
  if (raw.description !== undefined) {
    if (typeof raw.description !== "string" && raw.description !== null)
      throw new StudioHttpError(422, '"description" must be a string, or null to clear it.');
    out.description = raw.description;
  }
  if (raw.metadata !== undefined && raw.metadata !== null) {
    if (typeof raw.metadata !== "object" || Array.isArray(raw.metadata)) {
      throw new StudioHttpError(422, '"metadata" must be a JSON object.');
    }
    out.metadata = raw.metadata as Record<string, unknown>;
  }
  if (raw.inputs_schema_definition != null) out.inputs_schema_definition = raw.inputs_schema_definition;
  if (raw.outputs_schema_definition != null) out.outputs_schema_definition = raw.outputs_schema_definition;
  return out;
}

/** Filters of `GET /datasets`. */
export interface DatasetListQuery {
  ids?: string[];
  name?: string;
  nameContains?: string;
  /** Only datasets whose `extra.metadata` holds these keys and values. */
  metadata?: Record<string, unknown>;
  offset: number;
  limit: number;
}

const DATA_TYPES = ["kv", "llm", "chat"];

/** Checks a `POST /datasets` body: a `name`, and a `data_type` among kv, llm and chat (default kv). */
export function toDatasetCreate(body: unknown): DatasetCreate {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new StudioHttpError(
      422,
      'The body of POST /datasets must be a JSON object such as {"name": "my-dataset"}.',
    );
  }
  const raw = body as Record<string, unknown>;
  if (typeof raw.name !== "string" || raw.name.trim() === "") {
    throw new StudioHttpError(422, '"name" is required: the dataset\'s unique name.');
  }
  const out: DatasetCreate = { name: raw.name };
  if (raw.id !== undefined && raw.id !== null) {
    if (!isUuid(raw.id)) throw new StudioHttpError(422, '"id" must be a UUID.');
    out.id = raw.id.toLowerCase();
  }
  if (typeof raw.description === "string") out.description = raw.description;
  if (raw.data_type !== undefined && raw.data_type !== null) {
    if (typeof raw.data_type !== "string" || !DATA_TYPES.includes(raw.data_type)) {
      throw new StudioHttpError(422, `"data_type" must be one of ${DATA_TYPES.join(", ")}.`);
    }
    out.data_type = raw.data_type;
  }
  if (typeof raw.extra === "object" && raw.extra !== null && !Array.isArray(raw.extra)) {
    out.extra = raw.extra as Record<string, unknown>;
  }
  if (raw.inputs_schema_definition != null) out.inputs_schema_definition = raw.inputs_schema_definition;
  if (raw.outputs_schema_definition != null) out.outputs_schema_definition = raw.outputs_schema_definition;
  return out;
}

/** Datasets in SQLite. */
export class DatasetStore {
  readonly #db: DatabaseSync;
  readonly #tenantId: string;

  constructor(db: DatabaseSync, tenantId: string) {
    this.#db = db;
    this.#tenantId = tenantId;
  }

  /** Creates a dataset; a taken name is a 409. */
  create(input: DatasetCreate): StudioDataset {
    if (this.#db.prepare("SELECT 1 FROM datasets WHERE name = ?").get(input.name) !== undefined) {
      throw new StudioHttpError(
        409,
        `A dataset named "${input.name}" already exists: pick another name, or read it with GET /datasets?name=.`,
      );
    }
    const id = input.id ?? randomUUID();
    const now = studioNow();
    this.#db
      .prepare(
        `INSERT INTO datasets (id, name, description, data_type, extra, inputs_schema_definition, outputs_schema_definition, created_at, modified_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        input.name,
        input.description ?? null,
        input.data_type ?? "kv",
        toJsonColumn(input.extra),
        toJsonColumn(input.inputs_schema_definition),
        toJsonColumn(input.outputs_schema_definition),
        now,
        now,
      );
    return this.require(id);
  }

  /** A dataset by id, or a 404. */
  require(id: string): StudioDataset {
    const row = isUuid(id)
      ? this.#db.prepare(`${selectDataset} WHERE d.id = ?`).get(id.toLowerCase())
      : undefined;
    if (row === undefined) {
      throw new StudioHttpError(
        404,
        `Dataset ${id} not found: list datasets with GET /datasets or look one up with ?name=.`,
      );
    }
    return this.#toDataset(row);
  }

  /** Datasets, oldest first, with offset/limit paging. */
  list(query: DatasetListQuery): StudioDataset[] {
    const where: string[] = [];
    const params: SQLInputValue[] = [];
    if (query.ids !== undefined && query.ids.length > 0) {
      where.push(`d.id IN (${query.ids.map(() => "?").join(", ")})`);
      params.push(...query.ids);
    }
    if (query.name !== undefined) {
      where.push("d.name = ?");
      params.push(query.name);
    }
    if (query.nameContains !== undefined) {
      where.push("instr(lower(d.name), lower(?)) > 0");
      params.push(query.nameContains);
    }
    if (query.metadata !== undefined) {
      const match = metadataMatch("d.extra", query.metadata);
      where.push(...match.where);
      params.push(...match.params);
    }
    const sql = `${selectDataset} ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY d.created_at, d.rowid LIMIT ? OFFSET ?`;
    return this.#db
      .prepare(sql)
      .all(...params, query.limit, query.offset)
      .map((row) => this.#toDataset(row));
  }

  /**
   * Changes a dataset's name (a taken one is a 409), description, metadata (`extra.metadata`) or
   * schemas; absent or `null` fields are kept.
   */
  update(id: string, update: DatasetUpdate): StudioDataset {
    const current = this.require(id);
    if (update.name !== undefined && update.name !== current.name) {
      if (this.#db.prepare("SELECT 1 FROM datasets WHERE name = ?").get(update.name) !== undefined) {
        throw new StudioHttpError(409, `A dataset named "${update.name}" already exists: pick another name.`);
      }
    }
    const extra =
      update.metadata === undefined ? current.extra : { ...current.extra, metadata: update.metadata };
    this.#db
      .prepare(
        `UPDATE datasets SET name = ?, description = ?, extra = ?, inputs_schema_definition = ?,
           outputs_schema_definition = ?, modified_at = ? WHERE id = ?`,
      )
      .run(
        update.name ?? current.name,
        update.description === undefined ? current.description : update.description,
        toJsonColumn(extra),
        toJsonColumn(update.inputs_schema_definition ?? current.inputs_schema_definition),
        toJsonColumn(update.outputs_schema_definition ?? current.outputs_schema_definition),
        studioNow(),
        current.id,
      );
    return this.require(current.id);
  }

  /** Deletes a dataset and its examples. */
  delete(id: string): void {
    const dataset = this.require(id);
    this.#db
      .prepare(
        "DELETE FROM example_attachments WHERE example_id IN (SELECT id FROM examples WHERE dataset_id = ?)",
      )
      .run(dataset.id);
    this.#db.prepare("DELETE FROM examples WHERE dataset_id = ?").run(dataset.id);
    this.#db.prepare("DELETE FROM dataset_shares WHERE dataset_id = ?").run(dataset.id);
    this.#db.prepare("DELETE FROM datasets WHERE id = ?").run(dataset.id);
  }

  /** Marks a dataset as changed now (its examples were added, changed or removed). */
  touch(id: string): void {
    this.#db.prepare("UPDATE datasets SET modified_at = ? WHERE id = ?").run(studioNow(), id);
  }

  #toDataset(row: Record<string, unknown>): StudioDataset {
    return {
      id: String(row.id),
      name: String(row.name),
      description: textColumn(row.description),
      data_type: String(row.data_type),
      extra: fromJsonColumn(row.extra) as Record<string, unknown> | null,
      inputs_schema_definition: fromJsonColumn(row.inputs_schema_definition),
      outputs_schema_definition: fromJsonColumn(row.outputs_schema_definition),
      created_at: String(row.created_at),
      modified_at: String(row.modified_at),
      example_count: numberColumn(row.example_count) ?? 0,
      session_count: numberColumn(row.session_count) ?? 0,
      last_session_start_time: textColumn(row.last_session_start_time),
      tenant_id: this.#tenantId,
    };
  }
}

const selectDataset = `SELECT d.*,
  (SELECT COUNT(*) FROM examples AS e WHERE e.dataset_id = d.id) AS example_count,
  (SELECT COUNT(*) FROM sessions AS s WHERE s.reference_dataset_id = d.id) AS session_count,
  (SELECT MAX(s.start_time) FROM sessions AS s WHERE s.reference_dataset_id = d.id) AS last_session_start_time
  FROM datasets AS d`;
