import { accessSync, constants, statSync } from "node:fs";
import { dirname } from "node:path";
import { CliError } from "./cli-error.ts";

/**
 * Checks, before any work starts, that `path` can be written as a `kind` ("file" or "directory"):
 * that it is not a directory (or a file) already, that no part of it is a file, and that the nearest
 * existing directory above it is writable. Fails with a message naming the option, the path, what is
 * wrong and what to do, instead of an `EEXIST`/`EACCES` from deep inside the command.
 *
 * @example
 * assertWritablePath("/tmp/x/results.jsonl", { option: "--out", shown: "results.jsonl", kind: "file" });
 */
export function assertWritablePath(
  path: string,
  options: { option: string; shown: string; kind: "file" | "directory" },
): void {
  const { option, shown, kind } = options;
  const here = statOf(path);
  if (here?.isDirectory() && kind === "file") {
    throw new CliError(
      `${option} ${shown} is a directory; give a file path, e.g. ${shown.replace(/\/$/, "")}/results.jsonl.`,
    );
  }
  if (here !== undefined && !here.isDirectory() && kind === "directory") {
    throw new CliError(
      `${option} ${shown} is a file, not a directory; give a directory (it is created if missing).`,
    );
  }
  let dir = here?.isDirectory() ? path : dirname(path);
  for (;;) {
    const stat = statOf(dir);
    if (stat !== undefined && !stat.isDirectory()) {
      throw new CliError(
        `${option} ${shown}: ${dir} is a file, not a directory; choose a path that is not under a file.`,
      );
    }
    if (stat !== undefined) break;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new CliError(
      `${option} ${shown}: no permission to write in ${dir}; choose a path you can write to, or change the directory's permissions.`,
    );
  }
}

function statOf(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
