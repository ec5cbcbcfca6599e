import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { StudioHttpError } from "../http/studio-http-error.ts";
import { AnsweringTierWriter } from "./answering-tier.ts";
import { fromJsonColumn, textColumn, toJsonColumn } from "./json-column.ts";
import type { RunOperation } from "./run-fields.ts";
import { RunSearchIndex, type SearchedRunText } from "./run-search-index.ts";
import { extractRunUsage } from "./run-usage.ts";
import type { SessionStore } from "./session-store.ts";
import { dottedOrderSegment, mergeRun, runStatus, type StoredRun, startOfDottedOrder } from "./stored-run.ts";
import { studioNow } from "./studio-timestamp.ts";
import { threadIdOf } from "./thread-id.ts";
import { TREND_COLUMNS, trendAssignmentsSql } from "./trend-columns.ts";

/** A file attached to a run (`attachment.{run_id}.{name}` parts). */
export interface RunAttachment {
  runId: string;
  name: string;
  mimeType: string;
  data: Uint8Array;
}

const columns = [
  "id",
  "trace_id",
  "dotted_order",
  "parent_run_id",
  "session_id",
  "name",
  "run_type",
  "start_time",
  "end_time",
  "status",
  "error",
  "inputs",
  "outputs",
  "extra",
  "events",
  "serialized",
  "tags",
  "reference_example_id",
  "first_token_time",
  "prompt_tokens",
  "completion_tokens",
  "total_tokens",
  "prompt_cost",
  "completion_cost",
  "total_cost",
  "has_post",
  "has_patch",
  "thread_id",
] as const;

/**
 * Runs in SQLite: idempotent ingestion of creates and updates in any order, and reads by id. The
 * caller wraps a batch in one transaction (see `StudioStore.transaction`), which is what makes
 * ingestion fast.
 */
export class RunStore {
  readonly #sessions: SessionStore;
  readonly #select: StatementSync;
  readonly #insert: StatementSync;
  readonly #update: StatementSync;
  readonly #search: RunSearchIndex;
  readonly #tiers: AnsweringTierWriter;
  readonly #attach: StatementSync;
  readonly #attachment: StatementSync;
  readonly #attachmentNames: StatementSync;
  readonly #descendants: StatementSync;
  readonly #addRunCount: StatementSync;
  /** Runs the current ingest added to each session (a moved run: -1 and +1), written at its end. */
  readonly #runCounts = new Map<string, number>();

  constructor(db: DatabaseSync, sessions: SessionStore) {
    this.#sessions = sessions;
    this.#select = db.prepare("SELECT rowid AS _rowid, * FROM runs WHERE id = ?");
    // Insert or update, as the caller read the run first: no upsert, whose conflict path costs a
    // failed insert before the update.
    this.#insert = db.prepare(
      `INSERT INTO runs (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
    );
    // trend_failed NULL: migration 18's trigger, there for older studios' rewrites, sees the root's
    // values already reset and leaves the row alone (#tiers stores them in the next statement).
    this.#update = db.prepare(
      `UPDATE runs SET ${columns.map((c) => `${c} = ?`).join(", ")}, trend_failed = NULL WHERE rowid = ?`,
    );
    this.#search = new RunSearchIndex(db);
    // A root's tier and Trends' values (migrations 15 and 16), on every write of the root.
    this.#tiers = new AnsweringTierWriter(db, trendAssignmentsSql(), TREND_COLUMNS);
    this.#attach = db.prepare(
      "INSERT INTO run_attachments (run_id, name, mime_type, data) VALUES (?, ?, ?, ?) ON CONFLICT (run_id, name) DO UPDATE SET mime_type = excluded.mime_type, data = excluded.data",
    );
    this.#attachment = db.prepare(
      "SELECT mime_type, data FROM run_attachments WHERE run_id = ? AND name = ?",
    );
    this.#attachmentNames = db.prepare("SELECT name FROM run_attachments WHERE run_id = ? ORDER BY name");
    // A descendant's dotted order extends the run's; '~' sorts after every character of one.
    this.#addRunCount = db.prepare("UPDATE sessions SET run_count = run_count + ? WHERE id = ?");
    this.#descendants = db.prepare(
      "SELECT id, parent_run_id FROM runs WHERE trace_id = ? AND dotted_order > ? AND dotted_order < ? ORDER BY dotted_order",
    );
  }

  /**
   * The ids of a run's descendants in execution order (LangSmith's `child_run_ids`, which the
   * SDK's `readRun({ loadChildRuns })` before 0.3 fetches to build the tree) and of its children.
   */
  descendantIds(run: StoredRun): { all: string[]; direct: string[] } {
    if (run.trace_id === null || run.dotted_order === null) return { all: [], direct: [] };
    const rows = this.#descendants.all(run.trace_id, run.dotted_order, `${run.dotted_order}~`);
    return {
      all: rows.map((row) => String(row.id)),
      direct: rows.filter((row) => row.parent_run_id === run.id).map((row) => String(row.id)),
    };
  }

  /** Applies creates and updates in order; see `mergeRun` for how they combine. */
  ingest(operations: readonly RunOperation[]): void {
    try {
      this.#ingest(operations);
    } finally {
      // The runs written so far, also when one was refused: they stay unless the caller's
      // transaction rolls back, and these counts with them.
      this.#writeRunCounts();
    }
  }

  #ingest(operations: readonly RunOperation[]): void {
    for (const op of operations) {
      const row = this.#select.get(op.run.id);
      const existing = row === undefined ? undefined : storedRunFromRow(row);
      const merged = mergeRun(existing, op);
      const namesSession = op.run.session_id !== undefined || op.run.session_name !== undefined;
      if (merged.session_id === null && (op.kind === "post" || namesSession)) {
        merged.session_id = this.#sessions.resolveForRun(op.run.session_id, op.run.session_name);
      }
      // Paging and sorting need a start time; a create that comes later brings the real one. An
      // update that came alone (its create lost or late) still says when the run started in its
      // dotted order; else the run cannot have started after it ended.
      merged.start_time ??= startOfDottedOrder(merged.dotted_order) ?? earliest(studioNow(), merged.end_time);
      if (merged.trace_id === null || merged.dotted_order === null) this.#placeInTrace(merged);
      this.#writeRun(merged, row);
      this.onWritten?.(merged);
    }
  }

  /** Called with every run just written, in the same transaction (the review store looks for paused runs). */
  onWritten: ((run: StoredRun) => void) | undefined;

  /** Stores attachments; a re-sent one replaces the previous bytes. */
  attach(attachments: readonly RunAttachment[]): void {
    for (const a of attachments) this.#attach.run(a.runId, a.name, a.mimeType, a.data);
  }

  /** The names of a run's attachments, in name order. */
  attachmentNames(runId: string): string[] {
    return this.#attachmentNames.all(runId).map((row) => String(row.name));
  }

  /** An attachment's bytes and type, or `undefined`. */
  attachment(runId: string, name: string): { mimeType: string; data: Uint8Array } | undefined {
    const row = this.#attachment.get(runId, name);
    if (row === undefined) return undefined;
    return { mimeType: String(row.mime_type), data: row.data as Uint8Array };
  }

  /** A run as stored, or `undefined`. */
  getStored(id: string): StoredRun | undefined {
    const row = this.#select.get(id);
    return row === undefined ? undefined : storedRunFromRow(row);
  }

  /** A run by id, or a 404 that names the id and the likely cause. */
  requireStored(id: string): StoredRun {
    const run = this.getStored(id);
    if (run === undefined) {
      throw new StudioHttpError(
        404,
        `Run ${id} not found: check the id, or flush the SDK first (await client.awaitPendingTraceBatches()).`,
      );
    }
    return run;
  }

  // A run sent without trace_id/dotted_order (POST /runs by hand) gets them from its parent, as
  // LangSmith does, so that it shows up in its trace.
  #placeInTrace(run: StoredRun): void {
    const start = run.start_time ?? studioNow();
    const segment = dottedOrderSegment(start, run.id);
    if (run.parent_run_id === null) {
      run.trace_id ??= run.id;
      run.dotted_order ??= segment;
      return;
    }
    const parent = this.getStored(run.parent_run_id);
    if (parent?.trace_id != null && parent.dotted_order !== null) {
      run.trace_id ??= parent.trace_id;
      run.dotted_order ??= `${parent.dotted_order}.${segment}`;
    }
  }

  #countRun(sessionId: string | null, delta: number): void {
    if (sessionId !== null) this.#runCounts.set(sessionId, (this.#runCounts.get(sessionId) ?? 0) + delta);
  }

  /** Adds the runs counted since the last call to their sessions' `run_count` (migration 13). */
  #writeRunCounts(): void {
    for (const [sessionId, delta] of this.#runCounts)
      if (delta !== 0) this.#addRunCount.run(delta, sessionId);
    this.#runCounts.clear();
  }

  #writeRun(run: StoredRun, before: Record<string, unknown> | undefined): void {
    const usage = extractRunUsage(run.outputs, run.extra);
    const text: SearchedRunText = {
      root: run.parent_run_id === null,
      name: run.name,
      inputs: toJsonColumn(run.inputs),
      outputs: toJsonColumn(run.outputs),
      error: run.error,
    };
    const values: SQLInputValue[] = [
      run.id,
      run.trace_id,
      run.dotted_order,
      run.parent_run_id,
      run.session_id,
      run.name,
      run.run_type,
      run.start_time,
      run.end_time,
      runStatus(run),
      text.error,
      text.inputs,
      text.outputs,
      toJsonColumn(run.extra),
      toJsonColumn(run.events),
      toJsonColumn(run.serialized),
      toJsonColumn(run.tags),
      run.reference_example_id,
      run.first_token_time,
      usage.prompt_tokens,
      usage.completion_tokens,
      usage.total_tokens,
      usage.prompt_cost,
      usage.completion_cost,
      usage.total_cost,
      run.has_post ? 1 : 0,
      run.has_patch ? 1 : 0,
      threadIdOf(run.extra),
    ];
    if (before === undefined) {
      const rowid = Number(this.#insert.run(...values).lastInsertRowid);
      this.#search.write(rowid, undefined, text);
      this.#tiers.written(rowid, run);
      this.#countRun(run.session_id, 1);
      return;
    }
    const was = textColumn(before.session_id);
    if (was !== run.session_id) {
      this.#countRun(was, -1);
      this.#countRun(run.session_id, 1);
    }
    const rowid = Number(before._rowid);
    this.#update.run(...values, rowid);
    this.#search.write(rowid, searchedText(before), text);
    this.#tiers.written(rowid, run, before.parent_run_id === null);
  }
}

function searchedText(row: Record<string, unknown>): SearchedRunText {
  return {
    root: row.parent_run_id === null,
    name: textColumn(row.name),
    inputs: textColumn(row.inputs),
    outputs: textColumn(row.outputs),
    error: textColumn(row.error),
  };
}

/** A `runs` row as a {@link StoredRun}. */
export function storedRunFromRow(row: Record<string, unknown>): StoredRun {
  return {
    id: String(row.id),
    trace_id: textColumn(row.trace_id),
    dotted_order: textColumn(row.dotted_order),
    parent_run_id: textColumn(row.parent_run_id),
    session_id: textColumn(row.session_id),
    name: textColumn(row.name),
    run_type: textColumn(row.run_type),
    start_time: textColumn(row.start_time),
    end_time: textColumn(row.end_time),
    error: textColumn(row.error),
    inputs: fromJsonColumn(row.inputs),
    outputs: fromJsonColumn(row.outputs),
    extra: fromJsonColumn(row.extra) as Record<string, unknown> | null,
    events: fromJsonColumn(row.events),
    serialized: fromJsonColumn(row.serialized),
    tags: fromJsonColumn(row.tags) as string[] | null,
    reference_example_id: textColumn(row.reference_example_id),
    first_token_time: textColumn(row.first_token_time),
    has_post: Number(row.has_post) === 1,
    has_patch: Number(row.has_patch) === 1,
  };
}

/** The earlier of two studio timestamps (their string order is their time order). */
function earliest(a: string, b: string | null): string {
  return b !== null && b < a ? b : a;
}
