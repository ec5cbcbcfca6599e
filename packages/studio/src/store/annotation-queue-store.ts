import { randomUUID } from "node:crypto";
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { fromJsonColumn, numberColumn, textColumn, toJsonColumn } from "./json-column.ts";
import { studioNow } from "./studio-timestamp.ts";

/** An annotation queue in LangSmith's `AnnotationQueueSchema` shape (with rubric). */
export interface StudioAnnotationQueue {
  id: string;
  name: string;
  description: string | null;
  queue_type: "single";
  tenant_id: string;
  default_dataset: string | null;
  num_reviewers_per_item: number;
  enable_reservations: boolean;
  reservation_minutes: number | null;
  rubric_instructions: string | null;
  rubric_items: unknown[] | null;
  metadata: Record<string, unknown> | null;
  created_at: string;
  updated_at: string;
  total_runs: number;
}

/** The fields a create or update may set. */
export interface AnnotationQueueFields {
  name?: string;
  description?: string | null;
  default_dataset?: string | null;
  num_reviewers_per_item?: number | null;
  enable_reservations?: boolean | null;
  reservation_minutes?: number | null;
  rubric_instructions?: string | null;
  rubric_items?: unknown[] | null;
  metadata?: Record<string, unknown> | null;
}

/** A run's place in a queue. */
export interface QueueRun {
  id: string;
  queue_id: string;
  run_id: string;
  added_at: string;
  last_reviewed_time: string | null;
  status: "needs_review" | "completed";
}

/** Which queue runs a list wants: LangSmith's review statuses (one local reviewer: "me"). */
export type QueueRunStatus = "needs_my_review" | "needs_others_review" | "completed";

/** The queue fields a create or update may set. */
export const QUEUE_FIELDS = [
  "name",
  "description",
  "default_dataset",
  "num_reviewers_per_item",
  "enable_reservations",
  "reservation_minutes",
  "rubric_instructions",
  "rubric_items",
  "metadata",
] as const;

/**
 * Annotation queues: named lists of runs for people to review, each run marked done once
 * reviewed. The studio has one reviewer, so "needs my review" is every run not yet completed.
 */
export class AnnotationQueueStore {
  readonly #db: DatabaseSync;
  readonly #tenantId: string;
  readonly #get: StatementSync;
  readonly #getRun: StatementSync;
  readonly #getRunInQueue: StatementSync;

  constructor(db: DatabaseSync, tenantId: string) {
    this.#db = db;
    this.#tenantId = tenantId;
    this.#get = db.prepare(
      "SELECT q.*, (SELECT count(*) FROM annotation_queue_runs WHERE queue_id = q.id) AS total_runs FROM annotation_queues AS q WHERE q.id = ?",
    );
    this.#getRun = db.prepare("SELECT * FROM annotation_queue_runs WHERE id = ?");
    this.#getRunInQueue = db.prepare("SELECT * FROM annotation_queue_runs WHERE queue_id = ? AND run_id = ?");
  }

  /** Creates a queue (`id` if given); a taken id or name is a 409. */
  create(id: string | undefined, fields: AnnotationQueueFields & { name: string }): StudioAnnotationQueue {
    const queueId = id ?? randomUUID();
    if (this.get(queueId) !== undefined) {
      throw new StudioHttpError(
        409,
        `Annotation queue ${queueId} already exists: pick another id, or update it.`,
      );
    }
    this.#assertNameFree(fields.name, queueId);
    const now = studioNow();
    this.#db
      .prepare("INSERT INTO annotation_queues (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)")
      .run(queueId, fields.name, now, now);
    this.update(queueId, fields);
    return this.require(queueId);
  }

  /** A queue, or `undefined`. */
  get(id: string): StudioAnnotationQueue | undefined {
    const row = this.#get.get(id);
    return row === undefined ? undefined : this.#toQueue(row);
  }

  /** A queue, or a 404 naming it. */
  require(id: string): StudioAnnotationQueue {
    const queue = this.get(id);
    if (queue === undefined) {
      throw new StudioHttpError(
        404,
        `Annotation queue ${id} not found: list them with GET /annotation-queues.`,
      );
    }
    return queue;
  }

  /** Queues by ids, exact name, name substring or default dataset, newest first. */
  list(query: {
    ids?: string[] | undefined;
    name?: string | undefined;
    nameContains?: string | undefined;
    datasetId?: string | undefined;
    offset: number;
    limit: number;
  }): StudioAnnotationQueue[] {
    const where: string[] = [];
    const params: SQLInputValue[] = [];
    if (query.ids !== undefined) {
      where.push("q.id IN (SELECT value FROM json_each(?))");
      params.push(JSON.stringify(query.ids));
    }
    if (query.name !== undefined) {
      where.push("q.name = ?");
      params.push(query.name);
    }
    if (query.nameContains !== undefined) {
      where.push("instr(lower(q.name), ?) > 0");
      params.push(query.nameContains.toLowerCase());
    }
    if (query.datasetId !== undefined) {
      where.push("q.default_dataset = ?");
      params.push(query.datasetId);
    }
    const rows = this.#db
      .prepare(
        `SELECT q.*, (SELECT count(*) FROM annotation_queue_runs WHERE queue_id = q.id) AS total_runs
         FROM annotation_queues AS q ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
         ORDER BY q.created_at DESC, q.id DESC LIMIT ? OFFSET ?`,
      )
      .all(...params, query.limit, query.offset);
    return rows.map((row) => this.#toQueue(row));
  }

  /** Sets the given fields of a queue; a name another queue has is a 409. */
  update(id: string, fields: AnnotationQueueFields): void {
    this.require(id);
    if (typeof fields.name === "string") this.#assertNameFree(fields.name, id);
    const sets: string[] = [];
    const params: SQLInputValue[] = [];
    for (const key of QUEUE_FIELDS) {
      const value = fields[key];
      if (value === undefined) continue;
      sets.push(`${key} = ?`);
      if (key === "rubric_items" || key === "metadata") params.push(toJsonColumn(value));
      else if (key === "enable_reservations") params.push(value === null ? 1 : value ? 1 : 0);
      else if (key === "num_reviewers_per_item") params.push((value as number | null) ?? 1);
      else params.push(value as SQLInputValue);
    }
    if (sets.length === 0) return;
    this.#db
      .prepare(`UPDATE annotation_queues SET ${sets.join(", ")}, updated_at = ? WHERE id = ?`)
      .run(...params, studioNow(), id);
  }

  /**
   * Names are unique, as datasets' are: tools find a queue by its name (`catena sample --queue`,
   * the SDK's `listAnnotationQueues({ name })`), and two queues of one name would split the work
   * between them without anyone noticing.
   */
  #assertNameFree(name: string, ownId: string): void {
    const taken = this.#db
      .prepare("SELECT id FROM annotation_queues WHERE name = ? AND id != ? LIMIT 1")
      .get(name, ownId) as { id: string } | undefined;
    if (taken !== undefined) {
      throw new StudioHttpError(
        409,
        `An annotation queue named "${name}" already exists (${taken.id}): pick another name, or add runs to that one (GET /annotation-queues?name=).`,
      );
    }
  }

  /** Deletes a queue and its place in every run's review. */
  delete(id: string): void {
    this.require(id);
    this.#db.prepare("DELETE FROM annotation_queue_runs WHERE queue_id = ?").run(id);
    this.#db.prepare("DELETE FROM annotation_queues WHERE id = ?").run(id);
  }

  /** Adds runs (already in the queue: kept as they are); returns their queue entries. */
  addRuns(queueId: string, runIds: readonly string[]): QueueRun[] {
    this.require(queueId);
    const insert = this.#db.prepare(
      "INSERT INTO annotation_queue_runs (id, queue_id, run_id, added_at) VALUES (?, ?, ?, ?) ON CONFLICT (queue_id, run_id) DO NOTHING",
    );
    const find = this.#db.prepare("SELECT * FROM annotation_queue_runs WHERE queue_id = ? AND run_id = ?");
    const now = studioNow();
    return runIds.map((runId) => {
      insert.run(randomUUID(), queueId, runId, now);
      return toQueueRun(find.get(queueId, runId)!);
    });
  }

  /** A queue's runs in the order they were added, filtered by review status. */
  listRuns(
    queueId: string,
    query: { status?: QueueRunStatus | undefined; offset: number; limit: number },
  ): QueueRun[] {
    this.require(queueId);
    const where = ["queue_id = ?"];
    if (query.status === "completed") where.push("status = 'completed'");
    if (query.status === "needs_my_review") where.push("status != 'completed'");
    if (query.status === "needs_others_review") where.push("0");
    return this.#db
      .prepare(
        `SELECT * FROM annotation_queue_runs WHERE ${where.join(" AND ")} ORDER BY added_at, rowid LIMIT ? OFFSET ?`,
      )
      .all(queueId, query.limit, query.offset)
      .map(toQueueRun);
  }

  /** How many runs of a queue have the status (all when none). */
  size(queueId: string, status?: QueueRunStatus): number {
    return this.listRuns(queueId, { status, offset: 0, limit: Number.MAX_SAFE_INTEGER }).length;
  }

  /** A queue entry by its own id, or a 404. */
  requireRun(queueRunId: string): QueueRun {
    const row = this.#getRun.get(queueRunId);
    if (row === undefined) {
      throw new StudioHttpError(
        404,
        `Annotation queue run ${queueRunId} not found: list a queue's runs for their ids.`,
      );
    }
    return toQueueRun(row);
  }

  /** Sets a queue entry's status (`completed` marks it reviewed now) or its times. */
  updateRun(
    queueRunId: string,
    change: { status?: QueueRun["status"]; lastReviewedTime?: string | null; addedAt?: string },
  ): QueueRun {
    const run = this.requireRun(queueRunId);
    const status = change.status ?? run.status;
    const reviewed =
      change.lastReviewedTime !== undefined
        ? change.lastReviewedTime
        : change.status === "completed"
          ? studioNow()
          : run.last_reviewed_time;
    this.#db
      .prepare(
        "UPDATE annotation_queue_runs SET status = ?, last_reviewed_time = ?, added_at = ? WHERE id = ?",
      )
      .run(status, reviewed, change.addedAt ?? run.added_at, queueRunId);
    return this.requireRun(queueRunId);
  }

  /**
   * Removes a run from a queue, named by its queue entry id (`queue_run_id`) or by the run's own id
   * (what LangSmith's SDKs send to `DELETE /annotation-queues/{queue_id}/runs/{run_id}`).
   */
  deleteRun(queueId: string, queueRunId: string): void {
    const byRun = this.#getRunInQueue.get(queueId, queueRunId);
    const run = byRun === undefined ? this.requireRun(queueRunId) : toQueueRun(byRun);
    if (run.queue_id !== queueId) {
      throw new StudioHttpError(404, `Annotation queue run ${queueRunId} is not in queue ${queueId}.`);
    }
    this.#db.prepare("DELETE FROM annotation_queue_runs WHERE id = ?").run(run.id);
  }

  /** The queues a run is in. */
  queuesOf(runId: string): StudioAnnotationQueue[] {
    return this.#db
      .prepare("SELECT DISTINCT queue_id FROM annotation_queue_runs WHERE run_id = ?")
      .all(runId)
      .map((row) => this.require(String(row.queue_id)));
  }

  #toQueue(row: Record<string, unknown>): StudioAnnotationQueue {
    return {
      id: String(row.id),
      name: String(row.name),
      description: textColumn(row.description),
      queue_type: "single",
      tenant_id: this.#tenantId,
      default_dataset: textColumn(row.default_dataset),
      num_reviewers_per_item: numberColumn(row.num_reviewers_per_item) ?? 1,
      enable_reservations: Number(row.enable_reservations) === 1,
      reservation_minutes: numberColumn(row.reservation_minutes),
      rubric_instructions: textColumn(row.rubric_instructions),
      rubric_items: fromJsonColumn(row.rubric_items) as unknown[] | null,
      metadata: fromJsonColumn(row.metadata) as Record<string, unknown> | null,
      created_at: String(row.created_at),
      updated_at: String(row.updated_at),
      total_runs: numberColumn(row.total_runs) ?? 0,
    };
  }
}

function toQueueRun(row: Record<string, unknown>): QueueRun {
  return {
    id: String(row.id),
    queue_id: String(row.queue_id),
    run_id: String(row.run_id),
    added_at: String(row.added_at),
    last_reviewed_time: textColumn(row.last_reviewed_time),
    status: row.status === "completed" ? "completed" : "needs_review",
  };
}
