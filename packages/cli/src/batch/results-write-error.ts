import { CliError } from "../cli-error.ts";
import { ExitCode } from "../exit-codes.ts";
import { fileSystemHint } from "../report-error.ts";

/**
 * The error a batch ends with when its results file cannot be written any more (the disk filled
 * up, the file system turned read-only): Node's own says only `ENOSPC: no space left on device,
 * write`, naming neither the file nor that the items written so far are kept and `--resume`
 * finishes the batch. Code `BATCH_WRITE_FAILED`, exit 1. Undefined for other errors, and for a
 * file-system error that names another path than the results file.
 */
export function resultsWriteError(error: unknown, out: string, shownOut: string): CliError | undefined {
  const hint = fileSystemHint(error);
  const { code, path } = error as NodeJS.ErrnoException;
  if (hint === undefined || (typeof path === "string" && path !== out)) return undefined;
  return new CliError(
    `cannot write the results to ${shownOut}: ${hint} (${code}). The items already in it are kept: once that is fixed, run the same command with --resume to finish the batch.`,
    { exitCode: ExitCode.failed, code: "BATCH_WRITE_FAILED", cause: error },
  );
}
