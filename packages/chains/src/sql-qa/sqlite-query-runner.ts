import { Worker } from "node:worker_threads";
import { SqlQueryError } from "./sql-errors.ts";
import type { SqliteWorkerReply, SqliteWorkerRequest } from "./sqlite-query-worker.ts";

/** Rows a query returned, at most `maxRows` of them. */
export interface SqliteQueryResult {
  columns: string[];
  rows: unknown[][];
  /** The query had more rows than `maxRows`. */
  truncated: boolean;
}

/** Options of a {@link SqliteQueryRunner}. */
export interface SqliteQueryRunnerOptions {
  /** Longest a query may run before its worker is stopped (default 5 s). */
  timeoutMs?: number;
  /** Workers kept alive between queries (default 2). */
  idleWorkers?: number;
  /** Longest text a cell of a result keeps; longer ones end in `… (+N characters)` (default 1,000). */
  maxCellChars?: number;
}

const WORKER_URL = new URL(
  `./sqlite-query-worker${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`,
  import.meta.url,
);

/**
 * Runs read-only queries on a SQLite file in worker threads. node:sqlite runs a query
 * synchronously and cannot interrupt it, so a runaway statement (a cross join of every table)
 * would block the whole process; here it blocks one worker, which is terminated when the query
 * outlives its time limit. Workers are reused between queries, and never keep the process alive.
 *
 * @example
 * const runner = new SqliteQueryRunner("shop.sqlite", { timeoutMs: 2000 });
 * const { columns, rows } = await runner.query("SELECT count(*) AS orders FROM orders", 100);
 */
export class SqliteQueryRunner {
  readonly path: string;
  readonly timeoutMs: number;
  readonly maxCellChars: number;
  readonly #idleWorkers: number;
  readonly #idle: Worker[] = [];
  #nextId = 1;

  constructor(path: string, options: SqliteQueryRunnerOptions = {}) {
    this.path = path;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.maxCellChars = options.maxCellChars ?? 1_000;
    this.#idleWorkers = options.idleWorkers ?? 2;
  }

  /** The tables the statement would open (indexes count as their table), and whether it writes. */
  async tablesRead(sql: string, signal?: AbortSignal): Promise<{ tables: string[]; writes: boolean }> {
    const reply = await this.call({ op: "tables", sql, maxRows: 0 }, signal);
    return "tables" in reply ? { tables: reply.tables, writes: reply.writes } : { tables: [], writes: false };
  }

  /** Runs the statement and returns its first `maxRows` rows, as arrays in column order, long texts cut. */
  async query(sql: string, maxRows: number, signal?: AbortSignal): Promise<SqliteQueryResult> {
    const reply = await this.call({ op: "query", sql, maxRows, maxCellChars: this.maxCellChars }, signal);
    return "rows" in reply
      ? { columns: reply.columns, rows: reply.rows, truncated: reply.truncated }
      : { columns: [], rows: [], truncated: false };
  }

  /** Stops the idle workers (busy ones stop when their query ends or times out). */
  async close(): Promise<void> {
    await Promise.all(this.#idle.splice(0).map((w) => w.terminate()));
  }

  private call(
    request: Omit<SqliteWorkerRequest, "id">,
    signal: AbortSignal | undefined,
  ): Promise<Extract<SqliteWorkerReply, { ok: true }>> {
    const id = this.#nextId++;
    const worker = this.#idle.pop() ?? this.spawn();
    return new Promise((resolve, reject) => {
      const stop = (reason: string): void => {
        cleanup();
        void worker.terminate();
        reject(new SqlQueryError(request.sql, reason));
      };
      const onMessage = (reply: SqliteWorkerReply): void => {
        if (reply.id !== id) return;
        cleanup();
        this.release(worker);
        if (reply.ok) resolve(reply);
        else reject(new SqlQueryError(request.sql, reply.message));
      };
      const onError = (error: Error): void => stop(`the query worker failed (${error.message})`);
      const onExit = (code: number): void => stop(`the query worker exited with code ${code}`);
      const onAbort = (): void => stop("the run was cancelled");
      const timer = setTimeout(
        () =>
          stop(
            `it ran longer than ${this.timeoutMs} ms and was stopped; ask for less data or simplify the query`,
          ),
        this.timeoutMs,
      );
      const cleanup = (): void => {
        clearTimeout(timer);
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
        signal?.removeEventListener("abort", onAbort);
      };
      if (signal?.aborted) return stop("the run was cancelled");
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.on("exit", onExit);
      signal?.addEventListener("abort", onAbort, { once: true });
      worker.postMessage({ ...request, id } satisfies SqliteWorkerRequest);
    });
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_URL, { workerData: { path: this.path } });
    // An idle worker must not keep a finished CLI or test process alive; a pending query's timer does.
    worker.unref();
    return worker;
  }

  private release(worker: Worker): void {
    if (this.#idle.length < this.#idleWorkers) this.#idle.push(worker);
    else void worker.terminate();
  }
}
