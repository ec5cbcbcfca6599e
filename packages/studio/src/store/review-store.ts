import type { DatabaseSync, StatementSync } from "node:sqlite";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { fromJsonColumn, toJsonColumn } from "./json-column.ts";
import type { StoredRun } from "./stored-run.ts";
import { studioNow } from "./studio-timestamp.ts";

/** Where a paused run stands: waiting for a decision, decided (stored, not yet applied), or resumed. */
export type ReviewStatus = "waiting" | "decided" | "resumed";

/** A run paused at a `review` step, as `GET /catena/reviews` lists it. */
export interface PausedReview {
  /** The chain run's id (its root run's id). */
  run_id: string;
  trace_id: string;
  /** The review's own run in the trace. */
  review_run_id: string;
  project: string | null;
  chain: string;
  version: string | null;
  /** The review step's name. */
  step: string;
  prompt: string | null;
  /** JSON Schema of the decision; null when the review takes any decision. */
  decision_schema: Record<string, unknown> | null;
  created_at: string;
  status: ReviewStatus;
  decision?: unknown;
  reviewer?: string;
  decided_at?: string;
}

/** Filters of {@link ReviewStore.list}. */
export interface ReviewQuery {
  status?: ReviewStatus;
  chain?: string;
  limit?: number;
}

const STATUSES: ReadonlySet<string> = new Set(["waiting", "decided", "resumed"]);

/** True for a status a review can have. */
export function isReviewStatus(value: string): value is ReviewStatus {
  return STATUSES.has(value);
}

/**
 * Runs paused at a review, filled from the trace as it arrives: a Catena tracer sends a paused
 * run's review as a run still going (metadata `kind: "review"`, `status: "waiting"`) whose inputs
 * hold the snapshot to resume from. A decision is stored here until a process that has the chain
 * resumes the run; the resumed run's update of that review run (status `decided`) marks it resumed.
 */
export class ReviewStore {
  readonly #db: DatabaseSync;
  readonly #insert: StatementSync;
  readonly #resumed: StatementSync;
  readonly #get: StatementSync;
  readonly #session: StatementSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#insert = db.prepare(
      `INSERT INTO reviews (run_id, trace_id, review_run_id, project, chain, version, step, prompt,
        decision_schema, snapshot, created_at, status)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'waiting') ON CONFLICT (run_id) DO NOTHING`,
    );
    this.#resumed = db.prepare(
      `UPDATE reviews SET status = 'resumed', decision = coalesce(?, decision),
        reviewer = coalesce(?, reviewer), decided_at = coalesce(decided_at, ?) WHERE review_run_id = ?`,
    );
    this.#get = db.prepare("SELECT * FROM reviews WHERE run_id = ?");
    this.#session = db.prepare("SELECT name FROM sessions WHERE id = ?");
  }

  /** Looks at a run just stored: a review run starting to wait adds a review, one decided closes it. */
  noteRun(run: StoredRun): void {
    const metadata = (run.extra as { metadata?: Record<string, unknown> } | null)?.metadata;
    if (metadata?.kind !== "review") return;
    if (metadata.status === "decided") {
      const outputs = run.outputs as { decision?: unknown } | null;
      const reviewer = typeof metadata.reviewer === "string" ? metadata.reviewer : null;
      this.#resumed.run(toJsonColumn(outputs?.decision), reviewer, studioNow(), run.id);
      return;
    }
    if (metadata.status !== "waiting" || run.trace_id === null) return;
    const snapshot = (run.inputs as { snapshot?: { runId?: unknown } } | null)?.snapshot;
    const runId = typeof snapshot?.runId === "string" ? snapshot.runId : run.trace_id;
    const project =
      run.session_id === null
        ? null
        : ((this.#session.get(run.session_id)?.name as string | undefined) ?? null);
    this.#insert.run(
      runId,
      run.trace_id,
      run.id,
      project,
      stringOr(metadata.chain, "unknown"),
      stringOr(metadata.version, null),
      run.name ?? "review",
      stringOr(metadata.prompt, null),
      toJsonColumn(metadata.decision_schema ?? null),
      toJsonColumn(snapshot ?? null) ?? "null",
      run.start_time ?? studioNow(),
    );
  }

  /** Paused runs, newest first. */
  list(query: ReviewQuery = {}): PausedReview[] {
    const where: string[] = [];
    const params: string[] = [];
    if (query.status !== undefined) {
      where.push("status = ?");
      params.push(query.status);
    }
    if (query.chain !== undefined) {
      where.push("chain = ?");
      params.push(query.chain);
    }
    const sql = `SELECT * FROM reviews ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY created_at DESC, run_id LIMIT ${Math.max(1, Math.min(query.limit ?? 100, 1000))}`;
    return this.#db
      .prepare(sql)
      .all(...params)
      .map((row) => reviewOf(row));
  }

  /** A paused run with the snapshot it resumes from, or a 404 naming the id. */
  require(runId: string): { review: PausedReview; snapshot: unknown } {
    const row = this.#get.get(runId);
    if (row === undefined) {
      throw new StudioHttpError(
        404,
        `No run ${runId} is paused at a review in this studio: list them with GET /catena/reviews (catena reviews).`,
      );
    }
    return { review: reviewOf(row), snapshot: fromJsonColumn(row.snapshot) };
  }

  /** Marks a run resumed (the studio resumed it in its own process). */
  markResumed(runId: string): void {
    this.#db.prepare("UPDATE reviews SET status = 'resumed' WHERE run_id = ?").run(runId);
  }

  /** Stores a decision to apply later (`catena resume --decided`). */
  decide(runId: string, decision: unknown, reviewer: string | null): void {
    this.#db
      .prepare(
        "UPDATE reviews SET status = 'decided', decision = ?, reviewer = ?, decided_at = ? WHERE run_id = ? AND status != 'resumed'",
      )
      .run(toJsonColumn(decision), reviewer, studioNow(), runId);
  }
}

function reviewOf(row: Record<string, unknown>): PausedReview {
  const review: PausedReview = {
    run_id: String(row.run_id),
    trace_id: String(row.trace_id),
    review_run_id: String(row.review_run_id),
    project: row.project === null ? null : String(row.project),
    chain: String(row.chain),
    version: row.version === null ? null : String(row.version),
    step: String(row.step),
    prompt: row.prompt === null ? null : String(row.prompt),
    decision_schema: (fromJsonColumn(row.decision_schema) as Record<string, unknown> | null) ?? null,
    created_at: String(row.created_at),
    status: String(row.status) as ReviewStatus,
  };
  if (row.decision !== null && row.decision !== undefined) review.decision = fromJsonColumn(row.decision);
  if (typeof row.reviewer === "string") review.reviewer = row.reviewer;
  if (typeof row.decided_at === "string") review.decided_at = row.decided_at;
  return review;
}

function stringOr<T extends string | null>(value: unknown, fallback: T): string | T {
  return typeof value === "string" && value !== "" ? value : fallback;
}
