import { randomUUID } from "node:crypto";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { studioNow } from "./studio-timestamp.ts";

/** What a share token opens: one run's trace, or one thread of a project. */
export type SharedTarget =
  | { kind: "run"; runId: string }
  | { kind: "thread"; sessionId: string; threadId: string };

/**
 * Public share tokens. Sharing a run makes its whole trace readable without the API key under
 * `/public/{token}/…`; nothing else becomes readable. Sharing twice gives the same token, so a
 * link once handed out keeps working until the run is unshared. A shared dataset's token opens
 * that dataset and its examples (`/public/{token}/datasets|examples`), and no run.
 */
export class ShareStore {
  readonly #runToken: StatementSync;
  readonly #shareRun: StatementSync;
  readonly #unshareRun: StatementSync;
  readonly #threadToken: StatementSync;
  readonly #shareThread: StatementSync;
  readonly #unshareThread: StatementSync;
  readonly #byToken: StatementSync;
  readonly #threadByToken: StatementSync;
  readonly #datasetToken: StatementSync;
  readonly #shareDataset: StatementSync;
  readonly #unshareDataset: StatementSync;
  readonly #datasetByToken: StatementSync;

  constructor(db: DatabaseSync) {
    this.#runToken = db.prepare("SELECT share_token FROM run_shares WHERE run_id = ?");
    this.#shareRun = db.prepare(
      "INSERT INTO run_shares (share_token, run_id, created_at) VALUES (?, ?, ?) ON CONFLICT (run_id) DO NOTHING",
    );
    this.#unshareRun = db.prepare("DELETE FROM run_shares WHERE run_id = ?");
    this.#threadToken = db.prepare(
      "SELECT share_token FROM thread_shares WHERE session_id = ? AND thread_id = ?",
    );
    this.#shareThread = db.prepare(
      "INSERT INTO thread_shares (share_token, session_id, thread_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (session_id, thread_id) DO NOTHING",
    );
    this.#unshareThread = db.prepare("DELETE FROM thread_shares WHERE session_id = ? AND thread_id = ?");
    this.#byToken = db.prepare("SELECT run_id FROM run_shares WHERE share_token = ?");
    this.#threadByToken = db.prepare("SELECT session_id, thread_id FROM thread_shares WHERE share_token = ?");
    this.#datasetToken = db.prepare("SELECT share_token FROM dataset_shares WHERE dataset_id = ?");
    this.#shareDataset = db.prepare(
      "INSERT INTO dataset_shares (share_token, dataset_id, created_at) VALUES (?, ?, ?) ON CONFLICT (dataset_id) DO NOTHING",
    );
    this.#unshareDataset = db.prepare("DELETE FROM dataset_shares WHERE dataset_id = ?");
    this.#datasetByToken = db.prepare("SELECT dataset_id FROM dataset_shares WHERE share_token = ?");
  }

  /** Shares a dataset (again: the same token); returns its token. */
  shareDataset(datasetId: string): string {
    this.#shareDataset.run(randomUUID(), datasetId, studioNow());
    return this.datasetToken(datasetId)!;
  }

  /** The token of a shared dataset, or `undefined`. */
  datasetToken(datasetId: string): string | undefined {
    const row = this.#datasetToken.get(datasetId);
    return row === undefined ? undefined : String(row.share_token);
  }

  /** Stops sharing a dataset (also when it is deleted). */
  unshareDataset(datasetId: string): void {
    this.#unshareDataset.run(datasetId);
  }

  /** The dataset a token shares, or `undefined` (a run's or thread's token shares none). */
  sharedDataset(token: string): string | undefined {
    const row = this.#datasetByToken.get(token.toLowerCase());
    return row === undefined ? undefined : String(row.dataset_id);
  }

  /** Shares a run (with `token` if given and it is not shared yet); returns its token. */
  shareRun(runId: string, token: string = randomUUID()): string {
    this.#shareRun.run(token.toLowerCase(), runId, studioNow());
    return this.runToken(runId)!;
  }

  /** The token of a shared run, or `undefined`. */
  runToken(runId: string): string | undefined {
    const row = this.#runToken.get(runId);
    return row === undefined ? undefined : String(row.share_token);
  }

  /** Stops sharing a run; its token opens nothing any more. */
  unshareRun(runId: string): void {
    this.#unshareRun.run(runId);
  }

  /** Shares a thread of a project; returns its token. */
  shareThread(sessionId: string, threadId: string): string {
    this.#shareThread.run(randomUUID(), sessionId, threadId, studioNow());
    return this.threadToken(sessionId, threadId)!;
  }

  /** The token of a shared thread, or `undefined`. */
  threadToken(sessionId: string, threadId: string): string | undefined {
    const row = this.#threadToken.get(sessionId, threadId);
    return row === undefined ? undefined : String(row.share_token);
  }

  /** Stops sharing a thread. */
  unshareThread(sessionId: string, threadId: string): void {
    this.#unshareThread.run(sessionId, threadId);
  }

  /** What a token opens, or `undefined` for an unknown or revoked token. */
  resolve(token: string): SharedTarget | undefined {
    const run = this.#byToken.get(token.toLowerCase());
    if (run !== undefined) return { kind: "run", runId: String(run.run_id) };
    const thread = this.#threadByToken.get(token.toLowerCase());
    if (thread === undefined) return undefined;
    return { kind: "thread", sessionId: String(thread.session_id), threadId: String(thread.thread_id) };
  }
}
