import { readFileSync } from "node:fs";
import { DatasetError } from "../errors/ml-errors.ts";

/**
 * The text of a labelled data file, as UTF-8; a file that cannot be read (missing, a folder, no
 * permission) is a `DatasetError` naming it, so every reader of labelled data fails the same way.
 */
export function readDataText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (cause) {
    throw new DatasetError(`Cannot read ${path}: ${(cause as Error).message}`, { cause, details: { path } });
  }
}
