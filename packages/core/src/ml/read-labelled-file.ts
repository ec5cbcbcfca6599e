import type { LabelledExample } from "./labelled-example.ts";
import { type ReadLabelledCsvOptions, readLabelledCsv } from "./read-labelled-csv.ts";
import { readLabelledJsonl } from "./read-labelled-jsonl.ts";

/**
 * Reads labelled examples from a file in the format its name says: `.jsonl` / `.ndjson` as JSON
 * lines ({@link readLabelledJsonl}), anything else as CSV with a header row ({@link readLabelledCsv};
 * `.tsv` split on tabs). The checks and `DatasetError`s are those of the two readers.
 *
 * @example
 * const rows = readLabelledFile("dev.jsonl", { labels: INTENTS });
 */
export function readLabelledFile(path: string, options: ReadLabelledCsvOptions = {}): LabelledExample[] {
  return isJsonLines(path) ? readLabelledJsonl(path, options) : readLabelledCsv(path, options);
}

/** Whether a path names a JSON-lines file (`.jsonl`, `.ndjson`). */
export function isJsonLines(path: string): boolean {
  return /\.(jsonl|ndjson)$/i.test(path);
}
