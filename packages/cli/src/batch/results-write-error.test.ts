import { closeSync, openSync, writeSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ExitCode } from "../exit-codes.ts";
import { resultsWriteError } from "./results-write-error.ts";

/** The error a write to a full disk gives: written to /dev/full, as the batch's appends to its results file do. */
function fullDiskError(): unknown {
  const fd = openSync("/dev/full", "w");
  try {
    writeSync(fd, '{"index":0}\n');
  } catch (error) {
    return error;
  } finally {
    closeSync(fd);
  }
  return undefined;
}

describe.runIf(process.platform === "linux")("resultsWriteError", () => {
  it("turns a full disk under the results file into a message naming the file and --resume", () => {
    const failure = fullDiskError();
    // What Node gives (and `catena batch` printed as it was): the errno, without the file.
    expect(failure).toMatchObject({ code: "ENOSPC", message: "ENOSPC: no space left on device, write" });
    const error = resultsWriteError(failure, "/dev/full", "out.jsonl");
    expect(error?.message).toBe(
      "cannot write the results to out.jsonl: the disk is full; free some space or choose another disk (ENOSPC). The items already in it are kept: once that is fixed, run the same command with --resume to finish the batch.",
    );
    expect(error?.code).toBe("BATCH_WRITE_FAILED");
    expect(error?.exitCode).toBe(ExitCode.failed);
  });

  it("leaves other errors, and file-system errors about another file, as they are", () => {
    expect(resultsWriteError(new Error("boom"), "/tmp/out.jsonl", "out.jsonl")).toBeUndefined();
    const elsewhere = Object.assign(new Error("EACCES: permission denied, open '/etc/x'"), {
      code: "EACCES",
      path: "/etc/x",
    });
    expect(resultsWriteError(elsewhere, "/tmp/out.jsonl", "out.jsonl")).toBeUndefined();
  });
});
