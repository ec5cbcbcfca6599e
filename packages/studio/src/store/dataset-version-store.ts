import type { DatabaseSync } from "node:sqlite";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { studioNow, toStudioTimestamp } from "./studio-timestamp.ts";

/** A dataset version in LangSmith's `DatasetVersion` shape. */
export interface DatasetVersion {
  as_of: string;
  tags: string[];
}

/** Which examples changed between two versions (`DatasetDiffInfo`). */
export interface DatasetDiff {
  examples_modified: string[];
  examples_added: string[];
  examples_removed: string[];
}

/**
 * The SQL of a dataset's examples as of a time: each example's last state at or before it, unless
 * that state is its deletion. It has the `examples` columns (`modified_at` is the version time) and
 * `seq` for insertion order; it binds the time once.
 */
export const EXAMPLES_AS_OF_SQL = `SELECT v.example_id AS id, v.dataset_id, v.inputs, v.outputs, v.metadata,
    v.source_run_id, v.created_at, v.version AS modified_at, v.seq
  FROM example_versions AS v
  WHERE v.deleted = 0 AND v.seq = (
    SELECT max(w.seq) FROM example_versions AS w WHERE w.example_id = v.example_id AND w.version <= ?)`;

/**
 * Dataset versions: every change to an example is a version (kept by triggers on `examples`),
 * named by its time; tags name versions. `as_of` is a time, a tag or `latest`.
 */
export class DatasetVersionStore {
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** The time `asOf` names: an ISO time, `latest` (now) or a tag of the dataset; else a 404. */
  resolve(datasetId: string, asOf: string): string {
    if (asOf === "latest") return studioNow();
    const tagged = this.#db
      .prepare("SELECT as_of FROM dataset_tags WHERE dataset_id = ? AND tag = ?")
      .get(datasetId, asOf);
    if (tagged !== undefined) return String(tagged.as_of);
    if (/^\d{4}-\d{2}-\d{2}/.test(asOf)) return toStudioTimestamp(asOf, "as_of")!;
    throw new StudioHttpError(
      404,
      `Dataset ${datasetId} has no version ${JSON.stringify(asOf)}: give an ISO time, "latest" or one of its tags.`,
    );
  }

  /** The version a time or tag stands for: the last change at or before it, with its tags. */
  version(datasetId: string, asOf: string): DatasetVersion {
    const time = this.resolve(datasetId, asOf);
    const row = this.#db
      .prepare("SELECT max(version) AS v FROM example_versions WHERE dataset_id = ? AND version <= ?")
      .get(datasetId, time);
    const version = row?.v === null || row?.v === undefined ? time : String(row.v);
    return { as_of: version, tags: this.#tagsAt(datasetId, version) };
  }

  /** Every version of a dataset, newest first. */
  list(datasetId: string, limit: number, offset: number): DatasetVersion[] {
    return this.#db
      .prepare(
        "SELECT DISTINCT version FROM example_versions WHERE dataset_id = ? ORDER BY version DESC LIMIT ? OFFSET ?",
      )
      .all(datasetId, limit, offset)
      .map((row) => ({ as_of: String(row.version), tags: this.#tagsAt(datasetId, String(row.version)) }));
  }

  /** Points `tag` at the version `asOf` names (moving it if it pointed elsewhere). */
  tag(datasetId: string, tag: string, asOf: string): DatasetVersion {
    const { as_of } = this.version(datasetId, asOf);
    this.#db
      .prepare(
        "INSERT INTO dataset_tags (dataset_id, tag, as_of) VALUES (?, ?, ?) ON CONFLICT (dataset_id, tag) DO UPDATE SET as_of = excluded.as_of",
      )
      .run(datasetId, tag, as_of);
    return { as_of, tags: this.#tagsAt(datasetId, as_of) };
  }

  /** The examples added, modified and removed from one version to another. */
  diff(datasetId: string, from: string, to: string): DatasetDiff {
    const state = (time: string) =>
      new Map(
        this.#db
          .prepare(`SELECT id, inputs, outputs, metadata FROM (${EXAMPLES_AS_OF_SQL}) WHERE dataset_id = ?`)
          .all(time, datasetId)
          .map((row) => [String(row.id), `${row.inputs}\u0000${row.outputs}\u0000${row.metadata}`]),
      );
    const before = state(this.resolve(datasetId, from));
    const after = state(this.resolve(datasetId, to));
    return {
      examples_modified: [...after]
        .filter(([id, v]) => before.has(id) && before.get(id) !== v)
        .map(([id]) => id),
      examples_added: [...after.keys()].filter((id) => !before.has(id)),
      examples_removed: [...before.keys()].filter((id) => !after.has(id)),
    };
  }

  /** Forgets every version of the examples (a hard delete: they are gone from every version). */
  purge(exampleIds: readonly string[]): void {
    this.#db
      .prepare("DELETE FROM example_versions WHERE example_id IN (SELECT value FROM json_each(?))")
      .run(JSON.stringify(exampleIds));
  }

  #tagsAt(datasetId: string, version: string): string[] {
    return this.#db
      .prepare("SELECT tag FROM dataset_tags WHERE dataset_id = ? AND as_of = ? ORDER BY tag")
      .all(datasetId, version)
      .map((row) => String(row.tag));
  }
}
