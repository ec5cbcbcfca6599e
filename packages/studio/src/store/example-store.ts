import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import { presignPath } from "../http/presigned-path.ts";
import { StudioHttpError } from "../http/studio-http-error.ts";
import type { DatasetStore } from "./dataset-store.ts";
import { EXAMPLES_AS_OF_SQL } from "./dataset-version-store.ts";
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

/** One example of an update (`PATCH /v1/platform/datasets/{id}/examples`): what is absent is kept. */
export interface ExampleUpdate {
  id: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  /** Replaces the metadata; its `dataset_split` is kept unless `split` is given. */
  metadata?: Record<string, unknown>;
  split?: string | string[];
  /** New or replaced attachments. */
  attachments: { name: string; mimeType: string; data: Uint8Array }[];
  /** When given, only `retain`ed and `rename`d attachments are kept (besides new ones). */
  attachmentsOperations?: { rename: Record<string, string>; retain: string[] };
}

/** One operation of `PATCH .../examples/metadata`, as `updateDatasetSplits` sends it. */
export interface MetadataArrayOperation {
  key: string;
  operation: "array_add" | "array_remove";
  values: string[];
}

/** Filters of `GET /examples`. */
export interface ExampleListQuery {
  datasetId?: string;
  ids?: string[];
  splits?: string[];
  metadata?: Record<string, unknown>;
  /** The dataset as of this time (see `DatasetVersionStore.resolve`); the current examples without. */
  asOf?: string;
  /** A compiled `filter` (see `compileExampleFilter`). */
  filter?: { sql: string; params: SQLInputValue[] };
  offset: number;
  limit: number;
}

/** Examples in SQLite; attachments are kept as bytes and served under `/examples/{id}/attachments/{name}`. */
export class ExampleStore {
  readonly #db: DatabaseSync;
  readonly #datasets: DatasetStore;
  readonly #signingKey: string;
  #baseUrl: () => string = () => "";

  constructor(db: DatabaseSync, datasets: DatasetStore, signingKey: string) {
    this.#db = db;
    this.#datasets = datasets;
    this.#signingKey = signingKey;
  }

  /**
   * Makes attachment URLs absolute under the studio's configured base URL (its `publicUrl`, never a
   * request's Host), so that a plain `fetch(presigned_url)` works; without it they are relative.
   */
  useBaseUrl(baseUrl: () => string): void {
    this.#baseUrl = baseUrl;
  }

  /**
   * Adds examples to a dataset. A `split` is kept, as in LangSmith, as `metadata.dataset_split` (a
   * list). An id that is already an example's (or twice in the upload) is a 409 that names it and
   * nothing is added: creating must not overwrite an example (the SDK reads an example first and
   * updates it with PATCH, see its `syncExample`).
   */
  upload(datasetId: string, uploads: readonly ExampleUpload[]): string[] {
    const dataset = this.#datasets.require(datasetId);
    this.#refuseTakenIds(uploads.map((u) => u.id));
    const now = studioNow();
    const insert = this.#db.prepare(
      `INSERT INTO examples (id, dataset_id, inputs, outputs, metadata, source_run_id, created_at, modified_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
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

  #refuseTakenIds(ids: readonly string[]): void {
    const seen = new Set<string>();
    let twice: string | undefined;
    for (const id of ids) {
      if (seen.has(id)) twice ??= id;
      seen.add(id);
    }
    const taken = this.#db
      .prepare("SELECT id, dataset_id FROM examples WHERE id IN (SELECT value FROM json_each(?))")
      .all(JSON.stringify([...seen]));
    const first = taken[0];
    if (first !== undefined) {
      const more = taken.length > 1 ? ` (and ${taken.length - 1} more of this upload's ids)` : "";
      throw new StudioHttpError(
        409,
        `Example ${String(first.id)} already exists (in dataset ${String(first.dataset_id)})${more}: change it with PATCH /v1/platform/datasets/{id}/examples (the SDK's updateExample), or create it with a new id.`,
      );
    }
    if (twice !== undefined) {
      throw new StudioHttpError(
        409,
        `Example id ${twice} is given twice in one upload: give each example its own id.`,
      );
    }
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
    if (query.filter !== undefined) {
      where.push(query.filter.sql);
      params.push(...query.filter.params);
    }
    // As of a time, the same conditions run over that version's rows (same columns, see EXAMPLES_AS_OF_SQL).
    const from = query.asOf === undefined ? "examples" : `(${EXAMPLES_AS_OF_SQL}) AS examples`;
    const sql = `SELECT * FROM ${from} ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY created_at, ${query.asOf === undefined ? "rowid" : "seq"} LIMIT ? OFFSET ?`;
    const versionParams: SQLInputValue[] = query.asOf === undefined ? [] : [query.asOf];
    return this.#db
      .prepare(sql)
      .all(...versionParams, ...params, query.limit, query.offset)
      .map((row) => this.#toExample(row));
  }

  /** Every example a query matches (read a page of 1,000 at a time), oldest first. */
  all(query: Omit<ExampleListQuery, "offset" | "limit">): StudioExample[] {
    const out: StudioExample[] = [];
    for (let offset = 0; ; offset += 1000) {
      const page = this.list({ ...query, offset, limit: 1000 });
      out.push(...page);
      if (page.length < 1000) return out;
    }
  }

  /**
   * Changes examples of a dataset: given inputs, outputs and metadata replace the stored ones, a
   * `split` sets `metadata.dataset_split`, attachments are added or replaced (and, with
   * `attachmentsOperations`, the others dropped or renamed). An id that is not an example of the
   * dataset is a 404, and nothing is changed.
   */
  update(datasetId: string, updates: readonly ExampleUpdate[]): string[] {
    const dataset = this.#datasets.require(datasetId);
    const current = updates.map((u) => this.#requireIn(dataset.id, u.id));
    const now = studioNow();
    const write = this.#db.prepare(
      "UPDATE examples SET inputs = ?, outputs = ?, metadata = ?, modified_at = ? WHERE id = ?",
    );
    updates.forEach((update, i) => {
      const example = current[i] as StudioExample;
      const split = example.metadata?.dataset_split;
      const metadata: Record<string, unknown> = { ...(update.metadata ?? example.metadata ?? {}) };
      if (update.split !== undefined) {
        metadata.dataset_split = Array.isArray(update.split) ? update.split : [update.split];
      } else if (update.metadata !== undefined && split !== undefined) {
        metadata.dataset_split = split;
      }
      write.run(
        JSON.stringify(update.inputs ?? example.inputs),
        toJsonColumn(update.outputs ?? example.outputs),
        toJsonColumn(metadata),
        now,
        example.id,
      );
      const ops = update.attachmentsOperations;
      if (ops !== undefined) {
        const keep = new Set([...ops.retain, ...Object.keys(ops.rename)]);
        for (const name of Object.keys(example.attachment_urls ?? {}).map((k) =>
          k.slice("attachment.".length),
        )) {
          if (!keep.has(name)) {
            this.#db
              .prepare("DELETE FROM example_attachments WHERE example_id = ? AND name = ?")
              .run(example.id, name);
          }
        }
        for (const [from, to] of Object.entries(ops.rename)) {
          this.#db
            .prepare("UPDATE example_attachments SET name = ? WHERE example_id = ? AND name = ?")
            .run(to, example.id, from);
        }
      }
      const attach = this.#db.prepare(
        `INSERT INTO example_attachments (example_id, name, mime_type, data) VALUES (?, ?, ?, ?)
         ON CONFLICT (example_id, name) DO UPDATE SET mime_type = excluded.mime_type, data = excluded.data`,
      );
      for (const a of update.attachments) attach.run(example.id, a.name, a.mimeType, a.data);
    });
    this.#datasets.touch(dataset.id);
    return updates.map((u) => u.id);
  }

  /**
   * Adds values to, or removes them from, an array in the metadata of examples of a dataset (how
   * `updateDatasetSplits` moves examples in and out of `dataset_split`). Unknown ids are a 404.
   */
  updateMetadataArrays(
    datasetId: string,
    ids: readonly string[],
    operations: readonly MetadataArrayOperation[],
  ): void {
    const dataset = this.#datasets.require(datasetId);
    const examples = ids.map((id) => this.#requireIn(dataset.id, id));
    const write = this.#db.prepare("UPDATE examples SET metadata = ?, modified_at = ? WHERE id = ?");
    const now = studioNow();
    for (const example of examples) {
      const metadata: Record<string, unknown> = { ...example.metadata };
      for (const op of operations) {
        const current = Array.isArray(metadata[op.key]) ? (metadata[op.key] as unknown[]) : [];
        metadata[op.key] =
          op.operation === "array_add"
            ? [...current, ...op.values.filter((v) => !current.includes(v))]
            : current.filter((v) => !op.values.includes(v as string));
      }
      write.run(toJsonColumn(metadata), now, example.id);
    }
    this.#datasets.touch(dataset.id);
  }

  /** The split names used by a dataset's examples, sorted. */
  splits(datasetId: string): string[] {
    const dataset = this.#datasets.require(datasetId);
    return this.#db
      .prepare(
        `SELECT DISTINCT s.value AS split FROM examples AS e, json_each(e.metadata, '$.dataset_split') AS s
         WHERE e.dataset_id = ? ORDER BY split`,
      )
      .all(dataset.id)
      .map((row) => String(row.split));
  }

  #requireIn(datasetId: string, id: string): StudioExample {
    const example = this.require(id);
    if (example.dataset_id !== datasetId) {
      throw new StudioHttpError(
        404,
        `Example ${id} not found in dataset ${datasetId}: it belongs to dataset ${example.dataset_id}.`,
      );
    }
    return example;
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
            presigned_url: `${this.#baseUrl()}${presignPath(this.#signingKey, exampleAttachmentPath(id, String(a.name)))}`,
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
