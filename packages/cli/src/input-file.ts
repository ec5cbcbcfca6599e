import { statSync } from "node:fs";
import { CliError } from "./cli-error.ts";

/**
 * Refuses an input-file option that names a directory before anything reads it: Node's read would
 * fail with a bare `EISDIR: illegal operation on a directory, read`, which names neither the path
 * nor the option. A path that does not exist is left to the caller (some options then mean a
 * dataset name, or an empty lock).
 *
 * @example
 * assertNotDirectory("/data", { option: "--data", shown: "data" }); // throws: --data data is a directory; give a file.
 */
export function assertNotDirectory(path: string, where: { option: string; shown: string }): void {
  let directory: boolean;
  try {
    directory = statSync(path).isDirectory();
  } catch {
    return;
  }
  if (directory) throw new CliError(`${where.option} ${where.shown} is a directory; give a file.`);
}
