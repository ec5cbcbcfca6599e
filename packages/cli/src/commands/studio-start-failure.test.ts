import { StudioStartError } from "@catena/studio";
import { describe, expect, it } from "vitest";
import { ExitCode } from "../exit-codes.ts";
import { studioStartFailure } from "./studio-start-failure.ts";

/** The studio's error for a listen that failed with `errno`, as `startStudio` throws it. */
function listenFailed(errno: string): StudioStartError {
  const cause = Object.assign(new Error(`listen ${errno}: 127.0.0.1:1984`), { code: errno });
  return new StudioStartError(
    "listen-failed",
    "127.0.0.1",
    `Cannot start the Catena studio on 127.0.0.1:1984 (${cause.message}).`,
    {
      cause,
    },
  );
}

const where = { port: 1984, host: "127.0.0.1" };

describe("studioStartFailure", () => {
  it("exits 2 with what to change for a listen failure an option fixes", () => {
    for (const [errno, says] of [
      ["EADDRINUSE", /port 1984 on 127\.0\.0\.1 is taken.*--port 0/],
      ["EACCES", /needs privileges.*--port <n>/],
      ["EADDRNOTAVAIL", /--host 127\.0\.0\.1 is not an address of this machine/],
      ["ENOTFOUND", /--host 127\.0\.0\.1 is not an address of this machine/],
    ] as const) {
      const error = studioStartFailure(listenFailed(errno), true, where);
      expect(error.exitCode, errno).toBe(ExitCode.usage);
      expect(error.code).toBe("STUDIO_LISTEN");
      expect(error.message).toMatch(says);
    }
  });

  it("exits 1 with the studio's message for a listen failure no option fixes", () => {
    for (const errno of ["EMFILE", "ENFILE", "ENOMEM", "EPERM"]) {
      const error = studioStartFailure(listenFailed(errno), true, where);
      expect(error.exitCode, errno).toBe(ExitCode.failed);
      expect(error.code).toBe("STUDIO_LISTEN");
      expect(error.message).toContain(errno);
    }
  });

  it("exits 2 for an option the studio refuses, and 1 for an error that is not the studio's", () => {
    const insecure = new StudioStartError("insecure-host", "0.0.0.0", "0.0.0.0 needs CATENA_STUDIO_API_KEY.");
    expect(studioStartFailure(insecure, true, where)).toMatchObject({
      exitCode: ExitCode.usage,
      code: "CLI_USAGE",
      message: "0.0.0.0 needs CATENA_STUDIO_API_KEY.",
    });
    expect(studioStartFailure(new Error("disk I/O error"), false, where).exitCode).toBe(ExitCode.failed);
  });
});
