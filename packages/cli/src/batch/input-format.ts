import { extname } from "node:path";
import { CliError } from "../cli-error.ts";
import type { DecodeOptions } from "./decoded-lines.ts";
import type { LocatedItem } from "./located-item.ts";
import { readCsv } from "./read-csv.ts";
import { readJsonl } from "./read-jsonl.ts";

/** A batch input format: how to stream a file's items. */
export interface InputFormat {
  name: "jsonl" | "csv";
  read(path: string, options?: DecodeOptions): AsyncIterable<LocatedItem>;
}

const JSONL: InputFormat = { name: "jsonl", read: readJsonl };
const CSV: InputFormat = { name: "csv", read: readCsv };

const BY_EXTENSION: Record<string, InputFormat> = { ".jsonl": JSONL, ".ndjson": JSONL, ".csv": CSV };

/**
 * The format of a batch input file: `--format` when given (`jsonl` or `csv`), else the file's
 * extension (`.jsonl`/`.ndjson` or `.csv`).
 */
export function inputFormatOf(path: string, shownAs = path, given?: string): InputFormat {
  if (given !== undefined) {
    const named = ({ jsonl: JSONL, ndjson: JSONL, csv: CSV } as Record<string, InputFormat>)[
      given.toLowerCase()
    ];
    if (!named) throw new CliError(`--format must be jsonl or csv, got ${JSON.stringify(given)}.`);
    return named;
  }
  const format = BY_EXTENSION[extname(path).toLowerCase()];
  if (!format) {
    throw new CliError(
      `cannot tell the format of ${shownAs}: name it .jsonl (one JSON object per line) or .csv (with a header row), or give --format jsonl|csv.`,
    );
  }
  return format;
}
