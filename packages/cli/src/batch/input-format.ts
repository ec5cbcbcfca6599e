import { extname } from "node:path";
import { CliError } from "../cli-error.ts";
import type { LocatedItem } from "./located-item.ts";
import { type ReadCsvOptions, readCsv } from "./read-csv.ts";
import { readJsonl } from "./read-jsonl.ts";

/**
 * A batch input format: how to stream a file's items. `fields`, the chain's input fields, name the
 * columns of a CSV or TSV header in any case; JSON lines keep their keys as written.
 */
export interface InputFormat {
  name: "jsonl" | "csv" | "tsv";
  read(path: string, options?: Omit<ReadCsvOptions, "tabs">): AsyncIterable<LocatedItem>;
}

const JSONL: InputFormat = {
  name: "jsonl",
  read: (path, options = {}) =>
    readJsonl(path, options.encoding === undefined ? {} : { encoding: options.encoding }),
};
const CSV: InputFormat = { name: "csv", read: readCsv };
const TSV: InputFormat = { name: "tsv", read: (path, options) => readCsv(path, { ...options, tabs: true }) };

const BY_EXTENSION: Record<string, InputFormat> = {
  ".jsonl": JSONL,
  ".ndjson": JSONL,
  ".csv": CSV,
  ".tsv": TSV,
  ".tab": TSV,
};

/**
 * The format of a batch input file: `--format` when given (`jsonl`, `csv` or `tsv`), else the
 * file's extension (`.jsonl`/`.ndjson`, `.csv`, `.tsv`/`.tab`).
 */
export function inputFormatOf(path: string, shownAs = path, given?: string): InputFormat {
  if (given !== undefined) {
    const named = ({ jsonl: JSONL, ndjson: JSONL, csv: CSV, tsv: TSV } as Record<string, InputFormat>)[
      given.toLowerCase()
    ];
    if (!named) throw new CliError(`--format must be jsonl, csv or tsv, got ${JSON.stringify(given)}.`);
    return named;
  }
  const format = BY_EXTENSION[extname(path).toLowerCase()];
  if (!format) {
    throw new CliError(
      `cannot tell the format of ${shownAs}: name it .jsonl (one JSON object per line), .csv or .tsv (with a header row), or give --format jsonl|csv|tsv.`,
    );
  }
  return format;
}
