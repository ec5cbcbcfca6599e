import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { open, rename, rm, stat, truncate } from "node:fs/promises";
import { BatchInputError } from "../errors/errors.ts";
import {
  type BatchIdentity,
  identityMismatches,
  isResultsHeader,
  type ResultsHeader,
  type ResumeMismatch,
} from "./batch-identity.ts";
import { BatchResumeError } from "./batch-resume-error.ts";
import { fileLines, isBlank } from "./file-lines.ts";
import { IndexSet } from "./index-set.ts";

/** Options of {@link scanResults}. */
export interface ScanResultsOptions {
  identity: BatchIdentity;
  /** Resume even when the file belongs to another batch (or has no header). */
  forceResume: boolean;
  /** Drop the failed items' lines, so that they run again. */
  retryFailed: boolean;
}

/** What an existing results file holds, as far as a resume needs to know. */
export interface ScannedResults {
  /** Indices of the items in the file (without the failed ones under `retryFailed`). */
  finished: IndexSet;
  /** How the file differs from this batch; non-empty only under `forceResume`. */
  mismatches: ResumeMismatch[];
  /** False when the file holds no whole line (it is new, or a crash left only a torn first line). */
  hasLines: boolean;
}

const TAIL_BLOCK = 64 * 1024;
const NEWLINE = Buffer.from("\n");

/**
 * Repairs and reads an existing results file for a resume, as a stream: memory stays flat however
 * large the file is. A torn last line (a crash mid-write) is cut off; the header is checked against
 * this batch's identity before anything else is read, so a wrong file is refused at once; every other
 * line is parsed, and a corrupt line that is not the last one is an error.
 */
export async function scanResults(path: string, options: ScanResultsOptions): Promise<ScannedResults> {
  const finished = new IndexSet();
  const mismatches: ResumeMismatch[] = [];
  const whole = await cutTornTail(path);
  if (whole === 0) return { finished, mismatches, hasLines: false };

  let failed = 0;
  let first = true;
  for await (const bytes of fileLines(path)) {
    // Every line we write starts with "{"; anything else is checked for blankness only then.
    if (bytes[0] !== 0x7b && isBlank(bytes)) continue;
    const line = bytes.toString("utf8");
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      throw new BatchInputError(
        `Results file ${path} has a corrupt line that is not the last one; fix or remove it, then resume.`,
        { details: { path, line: line.slice(0, 200) } },
      );
    }
    if (isResultsHeader(record) || first) {
      // Every header counts (two results files pasted together would carry two).
      const found = checkHeader(path, isResultsHeader(record) ? record : null, options);
      for (const m of found) if (!mismatches.some((x) => x.field === m.field)) mismatches.push(m);
    }
    first = false;
    const { index, status } = record as { index?: unknown; status?: unknown };
    if (typeof index !== "number") continue;
    if (options.retryFailed && status === "error") {
      failed++;
      continue;
    }
    finished.add(index);
  }
  if (failed > 0) await dropFailed(path);
  return { finished, mismatches, hasLines: true };
}

function checkHeader(
  path: string,
  header: ResultsHeader | null,
  options: ScanResultsOptions,
): ResumeMismatch[] {
  const found: ResumeMismatch[] =
    header === null
      ? [{ field: "header", file: null, now: `${options.identity.chain}@${options.identity.version}` }]
      : identityMismatches(header, options.identity);
  if (found.length > 0 && !options.forceResume) throw new BatchResumeError(path, found, header);
  return found;
}

/** Cuts a torn last line (no newline after it) off the file; returns the length of what is left. */
async function cutTornTail(path: string): Promise<number> {
  const { size } = await stat(path);
  const handle = await open(path, "r");
  let whole = 0;
  try {
    const block = Buffer.alloc(TAIL_BLOCK);
    for (let end = size; end > 0; end -= TAIL_BLOCK) {
      const start = Math.max(0, end - TAIL_BLOCK);
      const { bytesRead } = await handle.read(block, 0, end - start, start);
      const at = block.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (at >= 0) {
        whole = start + at + 1;
        break;
      }
    }
  } finally {
    await handle.close();
  }
  if (whole < size) await truncate(path, whole);
  return whole;
}

/**
 * Rewrites the file without its failed items' lines, streaming into a temporary file that replaces
 * it by a rename: a crash here leaves either the old file or the new one.
 */
async function dropFailed(path: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const out = createWriteStream(tmp);
  try {
    for await (const bytes of fileLines(path)) {
      if (bytes[0] !== 0x7b && isBlank(bytes)) continue;
      const { status, index } = JSON.parse(bytes.toString("utf8")) as { status?: unknown; index?: unknown };
      if (status === "error" && typeof index === "number") continue;
      // Copied: the line's bytes belong to a read buffer that the next chunk may reuse.
      if (!out.write(Buffer.concat([bytes, NEWLINE]))) await once(out, "drain");
    }
    out.end();
    await once(out, "finish");
  } catch (error) {
    out.destroy();
    await rm(tmp, { force: true });
    throw error;
  }
  await rename(tmp, path);
}
