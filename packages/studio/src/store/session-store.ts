import { randomUUID } from "node:crypto";
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { fromJsonColumn, textColumn, toJsonColumn } from "./json-column.ts";
import { metadataMatch } from "./metadata-match.ts";
import { runStats, sessionFeedbackStats } from "./run-stats.ts";
import type { FeedbackStat } from "./run-view.ts";
import { studioNow } from "./studio-timestamp.ts";

/** A session (LangSmith calls it a project in its UI): the runs of one project name. */
export interface StudioSession {
  id: string;
  name: string;
  description: string | null;
  extra: Record<string, unknown> | null;
  reference_dataset_id: string | null;
  start_time: string;
  end_time: string | null;
  tenant_id: string;
  /** Every run of the session, kept by the database on each write (so listing costs no count). */
  run_count?: number;
  last_run_start_time?: string | null;
  latency_p50?: number | null;
  latency_p99?: number | null;
  error_rate?: number | null;
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_cost?: number | null;
  completion_cost?: number | null;
  total_cost?: number | null;
  feedback_stats?: Record<string, FeedbackStat>;
  /** Feedback on the project itself (run_id null), e.g. from `evaluate()`'s summary evaluators. */
  session_feedback_stats?: Record<string, FeedbackStat>;
}

/** What `POST /sessions` accepts. */
export interface SessionCreate {
  id?: string;
  name: string;
  description?: string | null;
  extra?: Record<string, unknown> | null;
  reference_dataset_id?: string | null;
  start_time?: string | null;
}

/** What `PATCH /sessions/{id}` accepts; `null` or absent keeps the current value. */
export interface SessionUpdate {
  name?: string | null;
  description?: string | null;
  extra?: Record<string, unknown> | null;
  end_time?: string | null;
}

/** Filters of `GET /sessions`. */
export interface SessionListQuery {
  ids?: string[];
  name?: string;
  nameContains?: string;
  referenceDatasetId?: string;
  /** Only projects without a reference dataset (not experiments). */
  referenceFree?: boolean;
  /** Only projects whose `extra.metadata` holds these keys and values. */
  metadata?: Record<string, unknown>;
  includeStats?: boolean;
  /** The order (LangSmith's `sort_by`): start time (the default) or name. */
  sortBy?: "start_time" | "name";
  /** Newest (or last by name) first (LangSmith's `sort_by_desc`); oldest first by default. */
  descending?: boolean;
  offset: number;
  limit: number;
}

/** Sessions in SQLite, with a name → id cache for ingestion, which looks one up per run. */
export class SessionStore {
  readonly #db: DatabaseSync;
  readonly #tenantId: string;
  readonly #idByName = new Map<string, string>();
  readonly #byName: StatementSync;
  readonly #byId: StatementSync;
  readonly #insert: StatementSync;

  constructor(db: DatabaseSync, tenantId: string) {
    this.#db = db;
    this.#tenantId = tenantId;
    this.#byName = db.prepare("SELECT * FROM sessions WHERE name = ?");
    this.#byId = db.prepare("SELECT * FROM sessions WHERE id = ?");
    this.#insert = db.prepare(
      "INSERT INTO sessions (id, name, description, extra, reference_dataset_id, start_time) VALUES (?, ?, ?, ?, ?, ?)",
    );
  }

  /** The session of a run: by `session_id` when given (created if unknown), else by name (created on first use). */
  resolveForRun(sessionId: string | undefined, sessionName: string | undefined): string {
    if (sessionId !== undefined) {
      if (this.#byId.get(sessionId) === undefined) {
        const name = sessionName ?? sessionId;
        if (this.#byName.get(name) !== undefined) {
          throw new StudioHttpError(
            409,
            `Run names session_id ${sessionId} and session_name "${name}", which belongs to another session: send one of them.`,
          );
        }
        this.#insert.run(sessionId, name, null, null, null, studioNow());
        this.#idByName.set(name, sessionId);
      }
      return sessionId;
    }
    const name = sessionName ?? "default";
    const cached = this.#idByName.get(name);
    if (cached !== undefined) return cached;
    const existing = this.#byName.get(name);
    const id = existing === undefined ? this.#create({ name }).id : String(existing.id);
    this.#idByName.set(name, id);
    return id;
  }

  /** Creates a session; a taken name is a 409 unless `upsert`, which updates and returns the existing one. */
  create(input: SessionCreate, upsert: boolean): StudioSession {
    const existing = this.#byName.get(input.name);
    if (existing !== undefined) {
      if (!upsert) {
        throw new StudioHttpError(
          409,
          `A session named "${input.name}" already exists: pick another name, or POST /sessions?upsert=true to reuse it.`,
        );
      }
      const update: SessionUpdate = {};
      if (input.description !== undefined) update.description = input.description;
      if (input.extra !== undefined) update.extra = input.extra;
      return this.update(String(existing.id), update);
    }
    return this.#create(input);
  }

  /** A session by id, or `undefined`. */
  get(id: string): StudioSession | undefined {
    const row = this.#byId.get(id);
    return row === undefined ? undefined : this.#toSession(row);
  }

  /** A session by id, or a 404 that says how to find one. */
  require(id: string): StudioSession {
    const session = this.get(id);
    if (session === undefined) {
      throw new StudioHttpError(
        404,
        `Session ${id} not found: list them with GET /sessions or look one up with ?name=.`,
      );
    }
    return session;
  }

  /** Sessions, oldest first unless `sortBy`/`descending` say otherwise, with offset/limit paging. */
  list(query: SessionListQuery): StudioSession[] {
    const where: string[] = [];
    const params: SQLInputValue[] = [];
    if (query.ids !== undefined && query.ids.length > 0) {
      where.push(`id IN (${query.ids.map(() => "?").join(", ")})`);
      params.push(...query.ids);
    }
    if (query.name !== undefined) {
      where.push("name = ?");
      params.push(query.name);
    }
    if (query.nameContains !== undefined) {
      where.push("instr(lower(name), lower(?)) > 0");
      params.push(query.nameContains);
    }
    if (query.referenceDatasetId !== undefined) {
      where.push("reference_dataset_id = ?");
      params.push(query.referenceDatasetId);
    }
    if (query.referenceFree !== undefined) {
      where.push(query.referenceFree ? "reference_dataset_id IS NULL" : "reference_dataset_id IS NOT NULL");
    }
    if (query.metadata !== undefined) {
      const match = metadataMatch("extra", query.metadata);
      where.push(...match.where);
      params.push(...match.params);
    }
    const direction = query.descending === true ? "DESC" : "ASC";
    const sql = `SELECT * FROM sessions ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY ${query.sortBy ?? "start_time"} ${direction}, rowid ${direction} LIMIT ? OFFSET ?`;
    const rows = this.#db.prepare(sql).all(...params, query.limit, query.offset);
    return rows.map((row) => {
      const session = this.#toSession(row);
      return query.includeStats === true ? this.#withStats(session) : session;
    });
  }

  /** Updates name, description, extra or end time; `null` keeps the current value. */
  update(id: string, update: SessionUpdate): StudioSession {
    const current = this.require(id);
    if (update.name !== undefined && update.name !== null && update.name !== current.name) {
      if (this.#byName.get(update.name) !== undefined) {
        throw new StudioHttpError(409, `A session named "${update.name}" already exists: pick another name.`);
      }
      this.#idByName.delete(current.name);
    }
    const extra =
      update.extra === undefined || update.extra === null
        ? current.extra
        : { ...current.extra, ...update.extra };
    this.#db
      .prepare("UPDATE sessions SET name = ?, description = ?, extra = ?, end_time = ? WHERE id = ?")
      .run(
        update.name ?? current.name,
        update.description ?? current.description,
        toJsonColumn(extra),
        update.end_time ?? current.end_time,
        id,
      );
    return this.require(id);
  }

  /** Deletes a session and its runs. */
  delete(id: string): void {
    const session = this.require(id);
    // Its runs go with it: no run count to keep (prune keeps those of the projects that stay).
    this.#db.prepare("DELETE FROM sessions WHERE id = ?").run(id);
    this.#db.prepare("DELETE FROM runs WHERE session_id = ?").run(id);
    this.#idByName.delete(session.name);
  }

  #create(input: SessionCreate): StudioSession {
    const id = input.id ?? randomUUID();
    this.#insert.run(
      id,
      input.name,
      input.description ?? null,
      toJsonColumn(input.extra),
      input.reference_dataset_id ?? null,
      input.start_time ?? studioNow(),
    );
    return this.require(id);
  }

  /**
   * A session with LangSmith's project statistics: `run_count` (every run), latency p50/p99 and
   * error rate over its root runs (the traces), tokens and costs over every run, feedback stats on
   * its runs and on the project itself.
   */
  #withStats(session: StudioSession): StudioSession {
    const all = runStats(this.#db, { sql: "r.session_id = ?", params: [session.id] });
    const roots = runStats(this.#db, {
      sql: "r.session_id = ? AND r.parent_run_id IS NULL",
      params: [session.id],
    });
    return {
      ...session,
      ...all,
      latency_p50: roots.latency_p50,
      latency_p99: roots.latency_p99,
      error_rate: roots.error_rate,
      session_feedback_stats: sessionFeedbackStats(this.#db, session.id),
    };
  }

  #toSession(row: Record<string, unknown>): StudioSession {
    return {
      id: String(row.id),
      name: String(row.name),
      description: textColumn(row.description),
      extra: fromJsonColumn(row.extra) as Record<string, unknown> | null,
      reference_dataset_id: textColumn(row.reference_dataset_id),
      start_time: String(row.start_time),
      end_time: textColumn(row.end_time),
      tenant_id: this.#tenantId,
      run_count: Number(row.run_count ?? 0),
    };
  }
}
