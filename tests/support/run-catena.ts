/* Spawns the built `catena` binary the way a user runs it, and collects what it printed. */
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
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

/**
 * Where `catena run` and `catena batch` trace during tests when a test sets nothing else: a studio
 * database in the temporary directory, never the user's own (and no LangSmith key from the outer env).
 */
export const testStudioDb = join(tmpdir(), `catena-tests-${process.pid}-studio.db`);
process.once("exit", () => {
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${testStudioDb}${suffix}`, { force: true });
});

/**
 * Runs `node packages/cli/bin/catena.js ...args` in `cwd`; resolves (never rejects) with the exit code
 * and output. `env` adds to (or, with `undefined` values, removes from) the environment; the process
 * is killed after `timeoutMs` (default 60 s). `stdin` is written to its standard input, then closed.
 */
export function catena(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string | undefined>; timeoutMs?: number; stdin?: string },
): Promise<CatenaResult> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      process.execPath,
      [catenaBin, ...args],
      {
        cwd: options.cwd,
        env: withoutUndefined({
          ...process.env,
          LANGSMITH_API_KEY: undefined,
          LANGCHAIN_API_KEY: undefined,
          CATENA_STUDIO_URL: undefined,
          CATENA_STUDIO_DB: testStudioDb,
          NO_COLOR: "1",
          ...options.env,
        }),
        maxBuffer: 64 * 1024 * 1024,
        timeout: options.timeoutMs ?? 60_000,
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") reject(error);
        else resolvePromise({ code: typeof error?.code === "number" ? error.code : 0, stdout, stderr });
      },
    );
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  });
}

function withoutUndefined(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}
