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

const FORMATS: Record<string, InputFormat> = {
  ".jsonl": { name: "jsonl", read: readJsonl },
  ".ndjson": { name: "jsonl", read: readJsonl },
  ".csv": { name: "csv", read: readCsv },
};

/** The format of a batch input file, from its extension (`.jsonl`/`.ndjson` or `.csv`). */
export function inputFormatOf(path: string, shownAs = path): InputFormat {
  const format = FORMATS[extname(path).toLowerCase()];
  if (!format) {
    throw new CliError(
      `cannot tell the format of ${shownAs}: name it .jsonl (one JSON object per line) or .csv (with a header row).`,
    );
  }
  return format;
}
