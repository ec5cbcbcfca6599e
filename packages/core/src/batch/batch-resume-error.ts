import { CatenaError, type CatenaErrorOptions } from "../errors/catena-error.ts";
import type { ResultsHeader, ResumeMismatch } from "./batch-identity.ts";

/**
 * A results file cannot be resumed by this batch: it was written for another chain, version,
 * fingerprint or input, or it has no header saying what it belongs to. Nothing was run or written.
 * `forceResume: true` (CLI: `--force-resume`) resumes it anyway.
 */
export class BatchResumeError extends CatenaError {
  readonly path: string;
  readonly mismatches: ResumeMismatch[];

  constructor(
    path: string,
    mismatches: ResumeMismatch[],
    header: ResultsHeader | null,
    options: CatenaErrorOptions = {},
  ) {
    super("BATCH_RESUME_MISMATCH", messageOf(path, mismatches), {
      ...options,
      details: { path, mismatches, header, ...options.details },
    });
    this.path = path;
    this.mismatches = mismatches;
  }
}

const FORCE = "force it with `catena batch --force-resume` (`forceResume: true` in code)";

function messageOf(path: string, mismatches: ResumeMismatch[]): string {
  if (mismatches.some((m) => m.field === "header")) {
    return `Results file ${path} has no header line saying which chain and input it belongs to (it was written by an older catena), so the resume cannot be checked; if it is this batch's, ${FORCE}, or choose another results file.`;
  }
  const shown = (m: ResumeMismatch, value: string): string =>
    m.field === "fingerprint" ? value.slice(0, 12) : value;
  const diffs = mismatches.map(
    (m) => `${m.field} ${m.file === null ? "(none)" : shown(m, m.file)} in the file, ${shown(m, m.now)} now`,
  );
  return `Results file ${path} belongs to another batch (${diffs.join("; ")}); resuming would mix results. Resume with the same chain and input, choose another results file, or ${FORCE}.`;
}
