import { readFileSync } from "node:fs";
import { basename, extname } from "node:path";
import { parse } from "csv-parse/sync";
import { DatasetError } from "../errors/ml-errors.ts";
import type { Dataset, DatasetExample } from "./dataset.ts";
import { datasetContentHash, exampleIdOf } from "./example-content.ts";
import { fieldMapping, type RawExample, recordToExample } from "./record-to-example.ts";
import { findUtf8Problem, utf8ProblemText } from "./utf8-problem.ts";

/** Options of {@link readDatasetFile}. */
export interface ReadDatasetFileOptions {
  /** The dataset's name; default the file name without its extension (`data/dev.jsonl` → `dev`). */
  name?: string;
  /** Fields (JSONL keys, CSV columns) of a flat record that are the chain's input. */
  inputFields?: readonly string[];
  /** Fields of a flat record that are the reference output. */
  outputFields?: readonly string[];
  /**
   * A chain whose input and output object schemas name the fields when `inputFields` /
   * `outputFields` are not given (e.g. support-triage: `text` in, `queue`, `urgency`, ... out).
   */
  chain?: { readonly input: unknown; readonly output: unknown };
  /** The file as messages name it; default `path`. */
  shownAs?: string;
}

/**
 * Reads a dataset from a `.jsonl` or `.csv` file (or `.tsv`, one row a line split on tabs, quotes kept as text). Each JSONL line is either an example in the
 * LangSmith shape, `{"inputs": {...}, "outputs": {...}, "split": "dev", "metadata": {...}}`
 * (`splits`, `reference_outputs`, `id` and `metadata.dataset_split` are understood too), or a flat
 * record whose fields are sorted into inputs and outputs by `inputFields` / `outputFields` (or the
 * chain's schema keys): given both, other fields go to metadata; given one side, the rest is the
 * other side; given neither, the whole record is the input. A CSV file is read the same way by its
 * header, where columns named `inputs.x`, `outputs.y`, `metadata.z` choose the LangSmith shape and
 * a `split` column holds `;`-separated splits. Ids are content hashes (a given `id` is kept).
 * Malformed JSON, an unclosed CSV quote, bytes that are not UTF-8 and duplicate ids are
 * `DatasetError`s naming the file and the line.
 *
 * @example
 * const dev = readDatasetFile("data/dev.jsonl", { outputFields: ["queue"] });
 */
export function readDatasetFile(path: string, options: ReadDatasetFileOptions = {}): Dataset {
  const shownAs = options.shownAs ?? path;
  const text = readUtf8(path, shownAs);
  const mapping = fieldMapping(options);
  const ext = extname(path).toLowerCase();
  const raws =
    ext === ".csv"
      ? csvRecords(text, shownAs, ",")
      : ext === ".tsv" || ext === ".tab"
        ? csvRecords(text, shownAs, "\t")
        : jsonlRecords(text, shownAs, ext === ".jsonl" || ext === ".ndjson");
  if (raws.length === 0) {
    throw new DatasetError(
      `${shownAs} is empty: a dataset needs examples, one per line, e.g. {"inputs": {"text": "..."}, "outputs": {"label": "..."}}.`,
      { details: { path } },
    );
  }
  assertOutputFieldsFound(raws, options.outputFields, shownAs);
  const examples = withIds(
    raws.map((raw) => recordToExample(raw, mapping, shownAs)),
    shownAs,
  );
  return {
    name: options.name ?? basename(path, extname(path)),
    examples,
    contentHash: datasetContentHash(examples),
  };
}

/**
 * An output field given by name that no flat record has is a typo: left alone, every example would
 * have no reference output and the field would become an input.
 */
function assertOutputFieldsFound(
  raws: readonly RawExample[],
  outputFields: readonly string[] | undefined,
  shownAs: string,
): void {
  const flat = raws.filter(({ record }) => typeof record.inputs !== "object" || record.inputs === null);
  if (outputFields === undefined || flat.length === 0) return;
  const fields = [...new Set(flat.flatMap(({ record }) => Object.keys(record)))];
  for (const field of outputFields) {
    if (!fields.includes(field)) {
      throw new DatasetError(
        `${shownAs}: no record has the output field "${field}" (fields: ${fields.join(", ")}); name the output fields as the file does.`,
        { details: { path: shownAs, field, fields } },
      );
    }
  }
}

function readUtf8(path: string, shownAs: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    // The common mistakes in words; other failures keep the system's message.
    const why =
      code === "ENOENT"
        ? `no such file (looked for ${path}); check the path`
        : code === "EISDIR"
          ? "it is a directory; give a .jsonl or .csv file"
          : (cause as Error).message;
    throw new DatasetError(`Cannot read ${shownAs}: ${why}`, {
      cause,
      details: { path },
    });
  }
  const problem = findUtf8Problem(bytes);
  if (problem !== undefined) {
    throw new DatasetError(
      `${shownAs} ${utf8ProblemText(problem)}; save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8).`,
      { details: { path, line: problem.line } },
    );
  }
  return bytes.toString("utf8").replace(/^\uFEFF/, "");
}

/** `named`: the file's name says JSON lines; otherwise a line that is not JSON says how to name a CSV. */
function jsonlRecords(text: string, shownAs: string, named: boolean): RawExample[] {
  const out: RawExample[] = [];
  text.split("\n").forEach((lineText, i) => {
    if (lineText.trim() === "") return;
    const line = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(lineText);
    } catch (error) {
      const hint = named
        ? ""
        : ` (a file not named .csv or .tsv is read as JSON lines: name a comma-separated file .csv, a tab-separated one .tsv)`;
      throw new DatasetError(
        `${shownAs} line ${line} is not valid JSON: ${(error as Error).message}${hint}`,
        {
          details: { path: shownAs, line },
        },
      );
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new DatasetError(
        `${shownAs} line ${line} is not a JSON object: each line is one example, e.g. {"inputs": {...}, "outputs": {...}}.`,
        { details: { path: shownAs, line } },
      );
    }
    out.push({ record: value as Record<string, unknown>, line, csv: false });
  });
  return out;
}

function csvRecords(text: string, shownAs: string, delimiter: string): RawExample[] {
  let records: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    records = parse(text, {
      delimiter,
      // Tab-separated text has no quoting: a quote is part of the text, one row is one line.
      ...(delimiter === "\t" ? { quote: false } : {}),
      columns: (names: string[]) => names.map((n) => n.trim()),
      info: true,
      skip_empty_lines: true,
    });
  } catch (cause) {
    const line = (cause as { lines?: unknown }).lines;
    const at = typeof line === "number" ? ` line ${line}` : "";
    throw new DatasetError(
      `${shownAs}${at} is not valid ${delimiter === "\t" ? "TSV" : "CSV"}: ${(cause as Error).message}`,
      {
        cause,
        details: { path: shownAs, ...(typeof line === "number" ? { line } : {}) },
      },
    );
  }
  return records.map(({ record, info }) => ({ record: csvRecord(record), line: info.lines, csv: true }));
}

/** A CSV row as a record: `inputs.x` / `outputs.y` / `metadata.z` columns nest, `split` cells split on `;`. */
function csvRecord(row: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [column, cell] of Object.entries(row)) {
    const dot = column.indexOf(".");
    const group = dot === -1 ? "" : column.slice(0, dot);
    if (group === "inputs" || group === "outputs" || group === "metadata") {
      const nested = (out[group] ?? {}) as Record<string, unknown>;
      out[group] = nested;
      if (cell !== "" || group === "inputs") nested[column.slice(dot + 1)] = cell;
    } else if (column === "split" || column === "splits") {
      out.splits = cell
        .split(";")
        .map((s) => s.trim())
        .filter((s) => s !== "");
    } else {
      out[column] = cell;
    }
  }
  return out;
}

/** Gives each example its id: the one it names, else its content hash (numbered among identical ones). */
function withIds(
  examples: ReadonlyArray<Omit<DatasetExample, "id"> & { id?: string; line: number }>,
  shownAs: string,
): DatasetExample[] {
  const seen = new Map<string, number>();
  const occurrences = new Map<string, number>();
  return examples.map(({ id: given, line, ...example }) => {
    let id = given;
    if (id === undefined) {
      const base = exampleIdOf(example);
      const n = (occurrences.get(base) ?? 0) + 1;
      occurrences.set(base, n);
      id = exampleIdOf(example, n);
    }
    const previous = seen.get(id);
    if (previous !== undefined) {
      throw new DatasetError(
        `${shownAs} lines ${previous} and ${line} have the same id "${id}": give each example its own id, or none.`,
        { details: { path: shownAs, line, id } },
      );
    }
    seen.set(id, line);
    return { id, ...example };
  });
}
