/* Spawns the built `catena` binary the way a user runs it, and collects what it printed. */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./ensure-built.ts";

/** The `catena` bin script of packages/cli. */
export const catenaBin = join(repoRoot, "packages/cli/bin/catena.js");

/** What one `catena` invocation printed, and its exit code. */
export interface CatenaResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node packages/cli/bin/catena.js ...args` in `cwd`; resolves (never rejects) with the exit code and output. */
export function catena(args: readonly string[], options: { cwd: string }): Promise<CatenaResult> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      [catenaBin, ...args],
      {
        cwd: options.cwd,
        env: { ...process.env, NO_COLOR: "1" },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") reject(error);
        else resolvePromise({ code: typeof error?.code === "number" ? error.code : 0, stdout, stderr });
      },
    );
  });
}
