import { randomUUID } from "node:crypto";
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { assertCorrectionFits } from "./correction-schema.ts";
import type { FeedbackConfigStore } from "./feedback-config-store.ts";
import { fromJsonColumn, numberColumn, textColumn, toJsonColumn } from "./json-column.ts";
import { isUuid } from "./run-fields.ts";
import { studioNow, toStudioTimestamp } from "./studio-timestamp.ts";

/** Feedback on a run: a score and/or value, a comment, a correction, and where it came from. */
export interface StudioFeedback {
  id: string;
  run_id: string | null;
  trace_id: string | null;
  session_id: string | null;
  key: string;
  score: number | null;
  value: unknown;
  comment: string | null;
  correction: unknown;
  feedback_source: { type: string; metadata?: Record<string, unknown> } | null;
  feedback_config: unknown;
  comparative_experiment_id: string | null;
  start_time: string | null;
  created_at: string;
  modified_at: string;
}

/** A checked feedback create, as `POST /feedback`, a `feedback.{id}` part or a token submission gives it. */
export interface FeedbackCreate {
  id?: string;
  run_id?: string | null;
  trace_id?: string | null;
  session_id?: string | null;
  key: string;
  score?: number | null;
  value?: unknown;
  comment?: string | null;
  correction?: unknown;
  feedback_source?: { type: string; metadata?: Record<string, unknown> } | null;
  feedback_config?: unknown;
  comparative_experiment_id?: string | null;
  start_time?: string | null;
}

/** Fields `PATCH /feedback/{id}` changes; `null` clears one, absent keeps it. */
export interface FeedbackUpdate {
  score?: number | null;
  value?: unknown;
  comment?: string | null;
  correction?: unknown;
}

/** Filters of `GET /feedback`. */
export interface FeedbackListQuery {
  runIds?: string[];
  keys?: string[];
  sources?: string[];
  sessionIds?: string[];
  offset: number;
  limit: number;
}

/**
 * Checks a feedback JSON object. It needs a `key` and a `run_id` or `session_id`; `score` is a
 * number or boolean; `feedbackConfig` (as the JS SDK spells it) is accepted for `feedback_config`.
 */
export function toFeedbackCreate(body: unknown, where: string): FeedbackCreate {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new StudioHttpError(
      422,
      `${where} must be a JSON object such as {"run_id": "<uuid>", "key": "correctness", "score": 1}.`,
    );
  }
  const raw = body as Record<string, unknown>;
  if (typeof raw.key !== "string" || raw.key === "") {
    throw new StudioHttpError(
      422,
      `${where}: "key" is required, the name of what is rated (e.g. "correctness").`,
    );
  }
  const out: FeedbackCreate = { key: raw.key };
  for (const field of ["id", "run_id", "trace_id", "session_id", "comparative_experiment_id"] as const) {
    const value = raw[field];
    if (value === undefined || value === null) continue;
    if (!isUuid(value))
      throw new StudioHttpError(422, `${where}: "${field}" must be a UUID (got ${JSON.stringify(value)}).`);
    out[field] = value.toLowerCase();
  }
  if (out.run_id === undefined && out.session_id === undefined) {
    throw new StudioHttpError(
      422,
      `${where}: give the "run_id" the feedback is about (or a "session_id" for project feedback).`,
    );
  }
  const score = toScore(raw.score, where);
  if (score !== undefined) out.score = score;
  if (raw.value !== undefined) out.value = raw.value;
  if (raw.comment !== undefined && raw.comment !== null) {
    if (typeof raw.comment !== "string")
      throw new StudioHttpError(422, `${where}: "comment" must be a string.`);
    out.comment = raw.comment;
  }
  if (raw.correction !== undefined) out.correction = raw.correction;
  const source = raw.feedback_source;
  if (source !== undefined && source !== null) {
    if (
      typeof source !== "object" ||
      Array.isArray(source) ||
      typeof (source as { type?: unknown }).type !== "string"
    ) {
      throw new StudioHttpError(
        422,
        `${where}: "feedback_source" must be an object like {"type": "api", "metadata": {}}.`,
      );
    }
    out.feedback_source = source as { type: string; metadata?: Record<string, unknown> };
  }
  const config = raw.feedback_config ?? raw.feedbackConfig;
  if (config !== undefined && config !== null) out.feedback_config = config;
  if (raw.start_time !== undefined && raw.start_time !== null) {
    out.start_time = toStudioTimestamp(raw.start_time, `${where}: start_time`);
  }
  return out;
}

/** Checks the body of `PATCH /feedback/{id}`. */
export function toFeedbackUpdate(body: unknown): FeedbackUpdate {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new StudioHttpError(
      422,
      'The body of PATCH /feedback/{id} must be a JSON object such as {"score": 0}.',
    );
  }
  const raw = body as Record<string, unknown>;
  const out: FeedbackUpdate = {};
  const score = toScore(raw.score, "PATCH /feedback");
  if (score !== undefined) out.score = score;
  if (raw.value !== undefined) out.value = raw.value;
  if (raw.comment !== undefined) {
    if (raw.comment !== null && typeof raw.comment !== "string") {
      throw new StudioHttpError(422, 'PATCH /feedback: "comment" must be a string or null.');
    }
    out.comment = raw.comment;
  }
  if (raw.correction !== undefined) out.correction = raw.correction;
  return out;
}

function toScore(value: unknown, where: string): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  throw new StudioHttpError(
    422,
    `${where}: "score" must be a number or a boolean (got ${JSON.stringify(value)}).`,
  );
}

/** Feedback in SQLite. A create with an id that exists replaces it, so re-sent batches are harmless. */
export class FeedbackStore {
  readonly #db: DatabaseSync;
  readonly #insert: StatementSync;
  readonly #byId: StatementSync;
  readonly #runTrace: StatementSync;
  readonly #configs: FeedbackConfigStore;

  constructor(db: DatabaseSync, configs: FeedbackConfigStore) {
    this.#db = db;
    this.#configs = configs;
    this.#insert = db.prepare(
      `INSERT INTO feedback (id, run_id, trace_id, session_id, key, score, value, comment, correction, feedback_source,
         feedback_config, comparative_experiment_id, start_time, created_at, modified_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET run_id = excluded.run_id, trace_id = excluded.trace_id,
         session_id = excluded.session_id, key = excluded.key, score = excluded.score, value = excluded.value,
         comment = excluded.comment, correction = excluded.correction, feedback_source = excluded.feedback_source,
         feedback_config = excluded.feedback_config, comparative_experiment_id = excluded.comparative_experiment_id,
         start_time = excluded.start_time, modified_at = excluded.modified_at`,
    );
    this.#byId = db.prepare("SELECT * FROM feedback WHERE id = ?");
    this.#runTrace = db.prepare("SELECT trace_id, session_id FROM runs WHERE id = ?");
  }

  /**
   * Stores feedback, checked against its key's config and the config it carries (see
   * `FeedbackConfigStore.enforce`) and, for a correction, against the chain's output schema (see
   * `assertCorrectionFits`); the trace and session are taken from the run when it is known
   * and they are not given.
   */
  create(input: FeedbackCreate, where = "feedback"): StudioFeedback {
    this.#configs.enforce(input.key, input.feedback_config, input, `${where}: feedback_config`);
    if (input.run_id != null && input.correction != null) {
      assertCorrectionFits(this.#db, input.run_id, input.correction);
    }
    const id = input.id ?? randomUUID();
    const run = input.run_id == null ? undefined : this.#runTrace.get(input.run_id);
    const now = studioNow();
    this.#insert.run(
      id,
      input.run_id ?? null,
      input.trace_id ?? textColumn(run?.trace_id),
      input.session_id ?? textColumn(run?.session_id),
      input.key,
      input.score ?? null,
      toJsonColumn(input.value),
      input.comment ?? null,
      toJsonColumn(input.correction),
      toJsonColumn(input.feedback_source ?? { type: "api", metadata: {} }),
      toJsonColumn(input.feedback_config),
      input.comparative_experiment_id ?? null,
      input.start_time ?? null,
      now,
      now,
    );
    return this.require(id);
  }

  /** Feedback by id, or a 404. */
  require(id: string): StudioFeedback {
    const row = this.#byId.get(id);
    if (row === undefined) {
      throw new StudioHttpError(
        404,
        `Feedback ${id} not found: list a run's feedback with GET /feedback?run=<run id>.`,
      );
    }
    return toFeedback(row);
  }

  /**
   * Changes the given fields of a feedback; the result must still fit the key's config, and a new
   * correction the chain's output schema.
   */
  update(id: string, update: FeedbackUpdate): StudioFeedback {
    const current = this.require(id);
    const next = { ...current, ...update };
    this.#configs.enforce(current.key, current.feedback_config, next, `feedback ${id}: feedback_config`);
    if (current.run_id !== null && update.correction != null) {
      assertCorrectionFits(this.#db, current.run_id, update.correction);
    }
    this.#db
      .prepare(
        "UPDATE feedback SET score = ?, value = ?, comment = ?, correction = ?, modified_at = ? WHERE id = ?",
      )
      .run(
        next.score,
        toJsonColumn(next.value),
        next.comment,
        toJsonColumn(next.correction),
        studioNow(),
        id,
      );
    return this.require(id);
  }

  /** Deletes a feedback (404 if there is none). */
  delete(id: string): void {
    this.require(id);
    this.#db.prepare("DELETE FROM feedback WHERE id = ?").run(id);
  }

  /** Feedback, oldest first, with offset/limit paging. */
  list(query: FeedbackListQuery): StudioFeedback[] {
    const where: string[] = [];
    const params: SQLInputValue[] = [];
    const any = (column: string, values: readonly string[] | undefined) => {
      if (values === undefined || values.length === 0) return;
      where.push(`${column} IN (${values.map(() => "?").join(", ")})`);
      params.push(...values);
    };
    any("run_id", query.runIds);
    any("key", query.keys);
    any("json_extract(feedback_source, '$.type')", query.sources);
    any("session_id", query.sessionIds);
    const sql = `SELECT * FROM feedback ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY created_at, rowid LIMIT ? OFFSET ?`;
    return this.#db
      .prepare(sql)
      .all(...params, query.limit, query.offset)
      .map(toFeedback);
  }
}

function toFeedback(row: Record<string, unknown>): StudioFeedback {
  return {
    id: String(row.id),
    run_id: textColumn(row.run_id),
    trace_id: textColumn(row.trace_id),
    session_id: textColumn(row.session_id),
    key: String(row.key),
    score: numberColumn(row.score),
    value: fromJsonColumn(row.value),
    comment: textColumn(row.comment),
    correction: fromJsonColumn(row.correction),
    feedback_source: fromJsonColumn(row.feedback_source) as StudioFeedback["feedback_source"],
    feedback_config: fromJsonColumn(row.feedback_config),
    comparative_experiment_id: textColumn(row.comparative_experiment_id),
    start_time: textColumn(row.start_time),
    created_at: String(row.created_at),
    modified_at: String(row.modified_at),
  };
}
