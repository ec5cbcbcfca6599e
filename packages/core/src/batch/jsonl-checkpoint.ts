import { existsSync } from "node:fs";
import { type FileHandle, mkdir, open, readFile, rename, truncate, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { BatchInputError } from "../errors/errors.ts";

/** One line of a batch results file. */
export interface BatchRecord {
  index: number;
  key?: string;
  status: "done" | "deferred" | "waiting" | "error";
  [field: string]: unknown;
}

/** Options of {@link JsonlCheckpoint.open}. */
export interface CheckpointOpenOptions {
  /** Continue an existing file, skipping the items it already holds. */
  resume: boolean;
  /** On resume, run again the items that failed (their old lines are removed first). */
  retryFailed?: boolean;
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
  readonly finished: ReadonlySet<number>;
  private readonly handle: FileHandle;
  private buffer: string[] = [];
  private bufferBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private failure: unknown;

  private constructor(path: string, handle: FileHandle, finished: Set<number>) {
    this.path = path;
    this.handle = handle;
    this.finished = finished;
  }

  /** Opens (and on resume, repairs and reads) a results file. */
  static async open(path: string, options: CheckpointOpenOptions): Promise<JsonlCheckpoint> {
    const finished = new Set<number>();
    if (existsSync(path)) {
      if (!options.resume) {
        throw new BatchInputError(
          `Results file ${path} already exists; resume it (\`catena batch --resume\`, or \`resume: true\` in code) to skip the items it holds, or choose another path.`,
          { details: { path } },
        );
      }
      await repair(path, finished, options.retryFailed === true);
    } else {
      await mkdir(dirname(path), { recursive: true });
    }
    return new JsonlCheckpoint(path, await open(path, "a"), finished);
  }

  /** Queues a record; it reaches the file within 50 ms or 256 KiB, whichever comes first. */
  append(record: BatchRecord): void {
    if (this.failure) throw this.failure;
    const line = `${JSON.stringify(record)}\n`;
    this.buffer.push(line);
    this.bufferBytes += line.length;
    if (this.bufferBytes >= FLUSH_BYTES) this.flushSoon(0);
    else this.flushSoon(FLUSH_MS);
  }

  /** Writes everything queued so far. */
  async flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.buffer.length > 0) {
      const chunk = this.buffer.join("");
      this.buffer = [];
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
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch(() => {});
    }, ms);
  }

  private async writeChunk(chunk: string): Promise<void> {
    try {
      // Whole lines only: a record is in the file completely or not at all, up to a torn tail.
      await this.handle.appendFile(chunk);
    } catch (error) {
      this.failure ??= error;
    }
  }
}

async function repair(path: string, finished: Set<number>, retryFailed: boolean): Promise<void> {
  const text = await readFile(path, "utf8");
  const lastNewline = text.lastIndexOf("\n");
  const whole = text.slice(0, lastNewline + 1);
  if (whole.length < text.length) await truncate(path, Buffer.byteLength(whole));
  const kept: string[] = [];
  let dropped = 0;
  for (const line of whole.split("\n")) {
    if (line.trim() === "") continue;
    let record: BatchRecord;
    try {
      record = JSON.parse(line) as BatchRecord;
    } catch {
      throw new BatchInputError(
        `Results file ${path} has a corrupt line that is not the last one; fix or remove it, then resume.`,
        {
          details: { path, line: line.slice(0, 200) },
        },
      );
    }
    if (typeof record.index !== "number") continue;
    if (retryFailed && record.status === "error") {
      dropped++;
      continue;
    }
    finished.add(record.index);
    kept.push(line);
  }
  if (dropped > 0) {
    // Rewritten through a rename so that a crash here leaves either the old file or the new one.
    const tmp = `${path}.tmp-${process.pid}`;
    await writeFile(tmp, kept.map((l) => `${l}\n`).join(""));
    await rename(tmp, path);
  }
}
