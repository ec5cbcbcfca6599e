import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import { presignPath } from "../http/presigned-path.ts";
import { StudioHttpError } from "../http/studio-http-error.ts";
import type { DatasetStore } from "./dataset-store.ts";
import { fromJsonColumn, textColumn, toJsonColumn } from "./json-column.ts";
import { isUuid } from "./run-fields.ts";
import { studioNow } from "./studio-timestamp.ts";

/** An example of a dataset, in LangSmith's shape. */
export interface StudioExample {
  id: string;
  dataset_id: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown> | null;
  metadata: Record<string, unknown> | null;
  source_run_id: string | null;
  created_at: string;
  modified_at: string;
  attachment_urls?: Record<string, { presigned_url: string; mime_type: string }>;
}

/** One example of an upload (`POST /v1/platform/datasets/{id}/examples`), checked. */
export interface ExampleUpload {
  id: string;
  inputs: Record<string, unknown>;
  outputs?: Record<string, unknown> | null;
  metadata?: Record<string, unknown> | null;
  split?: string | string[] | null;
  source_run_id?: string | null;
  created_at?: string | null;
  attachments: { name: string; mimeType: string; data: Uint8Array }[];
}

/** Filters of `GET /examples`. */
export interface ExampleListQuery {
  datasetId?: string;
  ids?: string[];
  splits?: string[];
  metadata?: Record<string, unknown>;
  offset: number;
  limit: number;
}

/** Examples in SQLite; attachments are kept as bytes and served under `/examples/{id}/attachments/{name}`. */
export class ExampleStore {
  readonly #db: DatabaseSync;
  readonly #datasets: DatasetStore;
  readonly #signingKey: string;

  constructor(db: DatabaseSync, datasets: DatasetStore, signingKey: string) {
    this.#db = db;
    this.#datasets = datasets;
    this.#signingKey = signingKey;
  }

  /**
   * Adds examples to a dataset (an existing id is replaced). A `split` is kept, as in LangSmith,
   * as `metadata.dataset_split` (a list).
   */
  upload(datasetId: string, uploads: readonly ExampleUpload[]): string[] {
    const dataset = this.#datasets.require(datasetId);
    const now = studioNow();
    const insert = this.#db.prepare(
      `INSERT INTO examples (id, dataset_id, inputs, outputs, metadata, source_run_id, created_at, modified_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET dataset_id = excluded.dataset_id, inputs = excluded.inputs, outputs = excluded.outputs,
         metadata = excluded.metadata, source_run_id = excluded.source_run_id, modified_at = excluded.modified_at`,
    );
    const attach = this.#db.prepare(
      `INSERT INTO example_attachments (example_id, name, mime_type, data) VALUES (?, ?, ?, ?)
       ON CONFLICT (example_id, name) DO UPDATE SET mime_type = excluded.mime_type, data = excluded.data`,
    );
    for (const upload of uploads) {
      const metadata = { ...upload.metadata };
      if (upload.split !== undefined && upload.split !== null) {
        metadata.dataset_split = Array.isArray(upload.split) ? upload.split : [upload.split];
      }
      insert.run(
        upload.id,
        dataset.id,
        JSON.stringify(upload.inputs),
        toJsonColumn(upload.outputs),
        toJsonColumn(metadata),
        upload.source_run_id ?? null,
        upload.created_at ?? now,
        now,
      );
      for (const a of upload.attachments) attach.run(upload.id, a.name, a.mimeType, a.data);
    }
    this.#datasets.touch(dataset.id);
    return uploads.map((u) => u.id);
  }

  /** An example by id, or a 404. */
  require(id: string): StudioExample {
    const row = isUuid(id)
      ? this.#db.prepare("SELECT * FROM examples WHERE id = ?").get(id.toLowerCase())
      : undefined;
    if (row === undefined) {
      throw new StudioHttpError(
        404,
        `Example ${id} not found: list a dataset's examples with GET /examples?dataset=<id>.`,
      );
    }
    return this.#toExample(row);
  }

  /** Examples, oldest first, with offset/limit paging. */
  list(query: ExampleListQuery): StudioExample[] {
    const where: string[] = [];
    const params: SQLInputValue[] = [];
    if (query.datasetId !== undefined) {
      where.push("dataset_id = ?");
      params.push(query.datasetId);
    }
    if (query.ids !== undefined && query.ids.length > 0) {
      where.push(`id IN (${query.ids.map(() => "?").join(", ")})`);
      params.push(...query.ids);
    }
    if (query.splits !== undefined && query.splits.length > 0) {
      where.push(
        `EXISTS (SELECT 1 FROM json_each(metadata, '$.dataset_split') WHERE value IN (${query.splits.map(() => "?").join(", ")}))`,
      );
      params.push(...query.splits);
    }
    for (const [key, value] of Object.entries(query.metadata ?? {})) {
      where.push("json_extract(metadata, ?) IS ?");
      params.push(
        `$.${JSON.stringify(key)}`,
        typeof value === "boolean" ? (value ? 1 : 0) : (value as SQLInputValue),
      );
    }
    const sql = `SELECT * FROM examples ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY created_at, rowid LIMIT ? OFFSET ?`;
    return this.#db
      .prepare(sql)
      .all(...params, query.limit, query.offset)
      .map((row) => this.#toExample(row));
  }

  /** Deletes examples; unknown ids are a 404 and nothing is deleted. */
  delete(ids: readonly string[]): void {
    const examples = ids.map((id) => this.require(id));
    for (const example of examples) {
      this.#db.prepare("DELETE FROM example_attachments WHERE example_id = ?").run(example.id);
      this.#db.prepare("DELETE FROM examples WHERE id = ?").run(example.id);
      this.#datasets.touch(example.dataset_id);
    }
  }

  /** An attachment's bytes and type, or `undefined`. */
  attachment(exampleId: string, name: string): { mimeType: string; data: Uint8Array } | undefined {
    const row = this.#db
      .prepare("SELECT mime_type, data FROM example_attachments WHERE example_id = ? AND name = ?")
      .get(exampleId, name);
    return row === undefined ? undefined : { mimeType: String(row.mime_type), data: row.data as Uint8Array };
  }

  #toExample(row: Record<string, unknown>): StudioExample {
    const id = String(row.id);
    const example: StudioExample = {
      id,
      dataset_id: String(row.dataset_id),
      inputs: fromJsonColumn(row.inputs) as Record<string, unknown>,
      outputs: fromJsonColumn(row.outputs) as Record<string, unknown> | null,
      metadata: fromJsonColumn(row.metadata) as Record<string, unknown> | null,
      source_run_id: textColumn(row.source_run_id),
      created_at: String(row.created_at),
      modified_at: String(row.modified_at),
    };
    const attachments = this.#db
      .prepare("SELECT name, mime_type FROM example_attachments WHERE example_id = ?")
      .all(id);
    if (attachments.length > 0) {
      example.attachment_urls = Object.fromEntries(
        attachments.map((a) => [
          `attachment.${String(a.name)}`,
          {
            presigned_url: presignPath(this.#signingKey, exampleAttachmentPath(id, String(a.name))),
            mime_type: String(a.mime_type),
          },
        ]),
      );
    }
    return example;
  }
}

/** The path an example's attachment is served at (and signed for). */
export function exampleAttachmentPath(exampleId: string, name: string): string {
  return `/examples/${exampleId}/attachments/${encodeURIComponent(name)}`;
}
