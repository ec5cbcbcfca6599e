import { Worker } from "node:worker_threads";
import type { ExportWorkerConfig, FromExportWorker, RunRecord } from "./run-record.ts";

/** Runs handed to the worker in one message at most; a full buffer is sent at once. */
const BATCH = 200;
/**
 * How long finished runs wait on the chain's thread to go to the worker together: each message
 * wakes the worker, so a few larger ones cost both threads less than one per run or per tick.
 */
const HAND_OVER_MS = 20;

/** What the worker reported for a flush: how many requests failed or were dropped, and why. */
export interface ExportFlush {
  status: "done" | "timeout";
  failed: number;
  /** Runs were lost: uploads failed for good, were dropped, or never reached the worker. */
  lost: boolean;
  problem?: string;
}

/**
 * The chain's-thread side of trace export: it buffers finished runs and hands them, a batch at a
 * time, to a worker thread that owns the langsmith SDK client (see `export-worker.ts`). Handing
 * over costs a structured clone; everything else the SDK does happens on the worker's thread.
 *
 * The worker keeps the process alive only while it has runs to send, like the SDK's own timers
 * would; `close()` terminates it, which ends its requests and retries at once.
 */
export class TraceExporter {
  private readonly config: ExportWorkerConfig;
  private readonly onTrouble: (problem: string) => void;
  private worker: Worker | undefined;
  private failedToStart = false;
  private closed = false;
  private buffer: RunRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sentBatches = 0;
  /** Uploads that failed or were dropped, and runs that never reached the worker, since the last flush. */
  private failed = 0;
  private lastProblem: string | undefined;
  private nextFlush = 0;
  private readonly flushes = new Map<number, (healthy: boolean) => void>();

  constructor(config: ExportWorkerConfig, onTrouble: (problem: string) => void) {
    this.config = config;
    this.onTrouble = onTrouble;
  }

  /** Queues a finished run; it leaves this thread with the next batch ({@link HAND_OVER_MS} at the latest). */
  send(record: RunRecord): void {
    if (this.closed) return;
    this.buffer.push(record);
    if (this.buffer.length >= BATCH) this.post();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => this.post(), HAND_OVER_MS);
      // The worker takes a while to load: it starts with the first run, not with the first batch.
      this.start();
    }
  }

  /** Waits until the worker has sent everything queued so far, at most `timeoutMs`. */
  async flush(timeoutMs: number): Promise<ExportFlush> {
    this.post();
    const worker = this.worker;
    if (worker === undefined || this.failedToStart) return this.takeFailures("done", this.failed === 0);
    const id = ++this.nextFlush;
    let timer: NodeJS.Timeout | undefined;
    const reply = new Promise<boolean>((resolve) => this.flushes.set(id, resolve));
    const deadline = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    worker.ref();
    worker.postMessage({ type: "flush", id });
    const outcome = await Promise.race([reply, deadline]);
    clearTimeout(timer);
    this.flushes.delete(id);
    return outcome === "timeout" ? this.takeFailures("timeout", false) : this.takeFailures("done", outcome);
  }

  /** Stops the worker at once: requests in flight end and runs not yet sent are dropped. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.buffer = [];
    clearTimeout(this.timer);
    for (const resolve of this.flushes.values()) resolve(true);
    this.flushes.clear();
    if (this.worker !== undefined) void this.worker.terminate();
  }

  private post(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0 || this.closed) return;
    const runs = this.buffer;
    this.buffer = [];
    const worker = this.start();
    if (worker === undefined) {
      this.failed += runs.length;
      return;
    }
    try {
      worker.postMessage({ type: "runs", runs });
    } catch {
      // Inputs or outputs held something that cannot be cloned (a function, a class with private
      // state): send their JSON form instead.
      worker.postMessage({ type: "runs", runs: runs.map(plainRecord) });
    }
    this.sentBatches++;
    worker.ref();
  }

  private start(): Worker | undefined {
    if (this.worker !== undefined || this.failedToStart) return this.worker;
    let worker: Worker;
    try {
      worker = spawnWorker(this.config);
    } catch (error) {
      this.failedToStart = true;
      this.die(
        `the trace export worker did not start: ${error instanceof Error ? error.message : String(error)}`,
      );
      return undefined;
    }
    worker.on("message", (message: FromExportWorker) => this.receive(message));
    worker.on("error", (error) => this.die(`the trace export worker failed: ${error.message}`));
    worker.on("exit", () => {
      if (!this.closed) this.die("the trace export worker stopped");
    });
    this.worker = worker;
    return worker;
  }

  private receive(message: FromExportWorker): void {
    if (message.type === "flushed") {
      this.flushes.get(message.id)?.(message.healthy);
    } else if (message.type === "failure") {
      this.failed++;
      this.lastProblem = message.problem;
    } else if (message.type === "drained") {
      // Everything handed over so far is out: the worker no longer needs to hold the process.
      if (message.batch === this.sentBatches && this.buffer.length === 0 && this.flushes.size === 0) {
        this.worker?.unref();
      }
    } else {
      this.onTrouble(message.problem);
    }
  }

  private die(problem: string): void {
    this.failedToStart = true;
    this.failed++;
    this.lastProblem = problem;
    this.onTrouble(problem);
    for (const resolve of this.flushes.values()) resolve(false);
    this.flushes.clear();
  }

  private takeFailures(status: ExportFlush["status"], healthy: boolean): ExportFlush {
    const lost = this.failedToStart || (this.failed > 0 && !healthy);
    const out: ExportFlush =
      this.lastProblem === undefined
        ? { status, failed: this.failed, lost }
        : { status, failed: this.failed, lost, problem: this.lastProblem };
    this.failed = 0;
    this.lastProblem = undefined;
    return out;
  }
}

/** The worker runs from the same place as this module: its `.ts` source, or the built `.js`. */
function spawnWorker(config: ExportWorkerConfig): Worker {
  const url = new URL(
    import.meta.url.endsWith(".ts") ? "./export-worker.ts" : "./export-worker.js",
    import.meta.url,
  );
  try {
    return new Worker(url, { workerData: config });
  } catch (error) {
    // Some of this process's Node options are not allowed in workers; the worker needs none.
    if ((error as { code?: unknown }).code !== "ERR_WORKER_INVALID_EXEC_ARGV") throw error;
    return new Worker(url, { workerData: config, execArgv: [] });
  }
}

/** A run whose inputs and outputs are replaced by their JSON form (functions and cycles left out). */
function plainRecord(record: RunRecord): RunRecord {
  return JSON.parse(safeJson(record)) as RunRecord;
}

function safeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "bigint") return v.toString();
    if (typeof v === "function" || typeof v === "symbol") return undefined;
    if (typeof v === "object" && v !== null) {
      if (seen.has(v)) return "[circular]";
      seen.add(v);
    }
    return v;
  });
}
