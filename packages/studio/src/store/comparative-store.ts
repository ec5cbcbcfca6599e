import { randomUUID } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { fromJsonColumn, textColumn, toJsonColumn } from "./json-column.ts";
import type { SessionStore } from "./session-store.ts";
import { studioNow } from "./studio-timestamp.ts";

/** A comparative (pairwise) experiment, in LangSmith's `ComparativeExperiment` shape. */
export interface StudioComparativeExperiment {
  id: string;
  name: string | null;
  description: string | null;
  tenant_id: string;
  reference_dataset_id: string;
  experiment_ids: string[];
  experiments_info: { id: string; name: string }[];
  extra: Record<string, unknown> | null;
  created_at: string;
  modified_at: string;
}

/** What `POST /datasets/comparative` creates. */
export interface ComparativeCreate {
  id?: string | undefined;
  name?: string | undefined;
  description?: string | undefined;
  reference_dataset_id: string;
  experiment_ids: string[];
  extra?: Record<string, unknown> | undefined;
  created_at?: string | undefined;
}

/**
 * Comparative experiments: two or more experiments (projects) over one dataset, compared run by run
 * with pairwise feedback (feedback that carries `comparative_experiment_id`).
 */
export class ComparativeStore {
  readonly #db: DatabaseSync;
  readonly #sessions: SessionStore;
  readonly #tenantId: string;

  constructor(db: DatabaseSync, sessions: SessionStore, tenantId: string) {
    this.#db = db;
    this.#sessions = sessions;
    this.#tenantId = tenantId;
  }

  /** Creates one; every experiment must exist and be an experiment of the dataset. */
  create(input: ComparativeCreate): StudioComparativeExperiment {
    if (input.experiment_ids.length < 2) {
      throw new StudioHttpError(422, '"experiment_ids" needs at least two experiments to compare.');
    }
    for (const id of input.experiment_ids) {
      const session = this.#sessions.require(id);
      if (session.reference_dataset_id !== input.reference_dataset_id) {
        throw new StudioHttpError(
          422,
          `Experiment ${id} is not an experiment of dataset ${input.reference_dataset_id}: compare experiments of one dataset.`,
        );
      }
    }
    const id = input.id ?? randomUUID();
    if (this.get(id) !== undefined)
      throw new StudioHttpError(409, `Comparative experiment ${id} already exists.`);
    const now = studioNow();
    this.#db
      .prepare(
        `INSERT INTO comparative_experiments (id, name, description, reference_dataset_id, experiment_ids, extra, created_at, modified_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        input.name ?? null,
        input.description ?? null,
        input.reference_dataset_id,
        JSON.stringify(input.experiment_ids),
        toJsonColumn(input.extra ?? null),
        input.created_at ?? now,
        now,
      );
    return this.get(id)!;
  }

  /** One, or `undefined`. */
  get(id: string): StudioComparativeExperiment | undefined {
    const row = this.#db.prepare("SELECT * FROM comparative_experiments WHERE id = ?").get(id);
    return row === undefined ? undefined : this.#toExperiment(row);
  }

  /** The comparative experiments of a dataset, newest first. */
  listForDataset(datasetId: string): StudioComparativeExperiment[] {
    return this.#db
      .prepare(
        "SELECT * FROM comparative_experiments WHERE reference_dataset_id = ? ORDER BY created_at DESC, id DESC",
      )
      .all(datasetId)
      .map((row) => this.#toExperiment(row));
  }

  /** Deletes one (its pairwise feedback stays, as feedback). */
  delete(id: string): void {
    if (this.get(id) === undefined) throw new StudioHttpError(404, `Comparative experiment ${id} not found.`);
    this.#db.prepare("DELETE FROM comparative_experiments WHERE id = ?").run(id);
  }

  #toExperiment(row: Record<string, unknown>): StudioComparativeExperiment {
    const ids = fromJsonColumn(row.experiment_ids) as string[];
    return {
      id: String(row.id),
      name: textColumn(row.name),
      description: textColumn(row.description),
      tenant_id: this.#tenantId,
      reference_dataset_id: String(row.reference_dataset_id),
      experiment_ids: ids,
      experiments_info: ids.map((id) => ({ id, name: this.#sessions.get(id)?.name ?? id })),
      extra: fromJsonColumn(row.extra) as Record<string, unknown> | null,
      created_at: String(row.created_at),
      modified_at: String(row.modified_at),
    };
  }
}
