import { CatenaError } from "@catena/core";
import { CliError } from "../cli-error.ts";

/**
 * Reads a labelled CSV file through `read`; a missing column (the core reader's `DatasetError`,
 * which names its code options `textColumn`/`labelColumn`) becomes a usage error that names the
 * file as given, the flag it came with, its columns, and the fix a CLI user has: renaming the
 * column (the CLI has no flag to pick one). `labelColumns` lists the headers a label is read from.
 */
export function readCsvColumns<T>(
  read: () => T,
  file: { option: string; shown: string; labelColumns: readonly string[] },
): T {
  try {
    return read();
  } catch (error) {
    // By code, not `instanceof`: a chain module may bring its own copy of @catena/core.
    const details =
      CatenaError.isInstance(error) && error.code === "DATASET_INVALID"
        ? (error.details as { column?: unknown; columns?: unknown })
        : {};
    if (typeof details.column !== "string" || !Array.isArray(details.columns)) throw error;
    const columns = details.columns.length === 0 ? "none" : details.columns.join(", ");
    const text = details.column === "text";
    const wanted = text ? '"text"' : file.labelColumns.map((c) => `"${c}"`).join(" or ");
    throw new CliError(
      `${file.option} ${file.shown} has no ${text ? "text" : "label"} column (its columns: ${columns}); name the column of the ${text ? "texts" : "labels"} ${wanted} in the header row.`,
      { cause: error },
    );
  }
}
