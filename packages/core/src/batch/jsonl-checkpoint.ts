import { existsSync, statSync } from "node:fs";
import { type FileHandle, mkdir, open } from "node:fs/promises";
import { dirname } from "node:path";
import { BatchInputError } from "../errors/errors.ts";
import { type BatchIdentity, type ResumeMismatch, resultsHeader } from "./batch-identity.ts";
import { IndexSet } from "./index-set.ts";
import { scanResults } from "./scan-results.ts";

/** One line of a batch results file. */
export interface BatchRecord {
  index: number;
  key?: string;
  /** The chain's name and version (absent in files written before results lines carried them). */
  chain?: string;
  version?: string;
  status: "done" | "deferred" | "waiting" | "error";
  [field: string]: unknown;
}

/** Options of {@link JsonlCheckpoint.open}. */
export interface CheckpointOpenOptions {
  /** What the file belongs to: written in its header, checked on resume. */
  identity: BatchIdentity;
  /** Continue an existing file, skipping the items it already holds. */
  resume: boolean;
  /** On resume, run again the items that failed (their old lines are removed first). */
  retryFailed?: boolean;
  /** On resume, continue a file written for another chain, version, fingerprint or input. */
  forceResume?: boolean;
}

const FLUSH_BYTES = 256 * 1024;
const FLUSH_MS = 50;

/**
 * A JSONL results file that doubles as the batch checkpoint. Every record is one line written by a
 * single append, so after a crash (even `kill -9`) the file holds whole lines plus at most one torn
 * last line, which `open` cuts off; the items it held simply run again.
 */
export class JsonlCheckpoint {
  readonly path: string;
  /** Indices of items already in the file (finished in an earlier run). */
  readonly finished: IndexSet;
  /** How the file differs from this batch, when it was resumed with `forceResume` anyway. */
  readonly mismatches: readonly ResumeMismatch[];
  private readonly handle: FileHandle;
  /** Lines appended since the last `seal`. */
  private lines: string[] = [];
  /** Sealed lines, encoded: they wait for the flush outside the JS heap (no copying by the GC). */
  private chunks: Buffer[] = [];
  private bufferBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private failure: unknown;

  private constructor(
    path: string,
    handle: FileHandle,
    finished: IndexSet,
    mismatches: readonly ResumeMismatch[],
  ) {
    this.path = path;
    this.handle = handle;
    this.finished = finished;
    this.mismatches = mismatches;
  }

  /**
   * Opens a results file. A new one starts with a header line recording the batch's identity; on
   * resume, an existing one is repaired and read as a stream, and refused with a
   * {@link BatchResumeError} when it belongs to another batch (unless `forceResume`).
   */
  static async open(path: string, options: CheckpointOpenOptions): Promise<JsonlCheckpoint> {
    let finished = new IndexSet();
    let mismatches: readonly ResumeMismatch[] = [];
    let fresh = true;
    if (existsSync(path)) {
      if (statSync(path).isDirectory()) {
        // "Already exists; resume it" would send the user after a results file that is not there.
        throw new BatchInputError(
          `Results file ${path} is a directory; give a file path, e.g. ${path.replace(/\/+$/, "")}/results.jsonl.`,
          { details: { path } },
        );
      }
      if (!options.resume) {
        throw new BatchInputError(
          `Results file ${path} already exists; resume it (\`catena batch --resume\`, or \`resume: true\` in code) to skip the items it holds, or choose another path.`,
          { details: { path } },
        );
      }
      const scanned = await scanResults(path, {
        identity: options.identity,
        forceResume: options.forceResume === true,
        retryFailed: options.retryFailed === true,
      });
      finished = scanned.finished;
      mismatches = scanned.mismatches;
      fresh = !scanned.hasLines;
    } else {
      await mkdir(dirname(path), { recursive: true });
    }
    const handle = await open(path, "a");
    if (fresh) {
      try {
        await handle.appendFile(`${JSON.stringify(resultsHeader(options.identity))}\n`);
      } catch (error) {
        await handle.close();
        throw error;
      }
    }
    return new JsonlCheckpoint(path, handle, finished, mismatches);
  }

  /** Queues a record; it reaches the file within 50 ms or 256 KiB, whichever comes first. */
  append(record: BatchRecord): void {
    if (this.failure) throw this.failure;
    // Joined with newlines when flushed: no concatenated string per record to flatten then.
    const line = JSON.stringify(record);
    this.lines.push(line);
    this.bufferBytes += line.length + 1;
    if (this.bufferBytes >= FLUSH_BYTES) this.flushSoon(0);
    else this.flushSoon(FLUSH_MS);
  }

  /**
   * Encodes the lines appended so far into one chunk that waits for the flush. A batch seals once
   * per turn: the turn's line strings then die young instead of living up to 50 ms on the heap,
   * where every scavenge in between copies them (and delays the items' timers while it does).
   */
  seal(): void {
    if (this.lines.length === 0) return;
    this.lines.push(""); // the last line's newline, from the join
    this.chunks.push(Buffer.from(this.lines.join("\n"), "utf8"));
    this.lines = [];
  }

  /** Writes everything queued so far. */
  async flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.seal();
    if (this.chunks.length > 0) {
      const chunk = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
      this.chunks = [];
      this.bufferBytes = 0;
      this.writing = this.writing.then(() => this.writeChunk(chunk));
    }
    await this.writing;
    if (this.failure) throw this.failure;
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.handle.close();
    }
  }

  private flushSoon(ms: number): void {
    if (ms === 0) {
      void this.flush().catch(() => {});
      return;
    }
    // The write itself waits for the turn's check phase: a timer's callback runs among the timers
    // of the turn, and joining and encoding a buffer of lines there would delay the timers of a
    // batch's items (their steps' sleeps and I/O timeouts) that are due in the same turn.
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      setImmediate(() => void this.flush().catch(() => {}));
    }, ms);
  }

  private async writeChunk(chunk: Buffer): Promise<void> {
    try {
      // Whole lines only: a record is in the file completely or not at all, up to a torn tail.
      await this.handle.appendFile(chunk);
    } catch (error) {
      this.failure ??= error;
    }
  }
}
