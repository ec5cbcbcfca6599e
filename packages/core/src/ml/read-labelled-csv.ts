import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { DatasetError } from "../errors/ml-errors.ts";
import { checkExamples, type LabelledExample } from "./labelled-example.ts";

/** Options of {@link readLabelledCsv}. */
export interface ReadLabelledCsvOptions {
  /** Header of the text column (default `"text"`). */
  textColumn?: string;
  /** Header of the label column (default `"label"`). */
  labelColumn?: string;
  /** The allowed labels; rows with others are reported with their line numbers. */
  labels?: readonly string[];
}

/**
 * Reads a CSV file with a header row into labelled examples (each with its line number), and checks
 * it: a missing file, an empty file, a missing column, empty cells and labels outside `labels` are
 * `DatasetError`s that name the file, the column or the lines.
 *
 * @example
 * const rows = readLabelledCsv("banking77/train.csv", { labelColumn: "category" });
 */
export function readLabelledCsv(path: string, options: ReadLabelledCsvOptions = {}): LabelledExample[] {
  const textColumn = options.textColumn ?? "text";
  const labelColumn = options.labelColumn ?? "label";
  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch (cause) {
    throw new DatasetError(`Cannot read ${path}: ${(cause as Error).message}`, { cause, details: { path } });
  }
  let records: Array<{ record: Record<string, string>; info: { lines: number } }>;
  let header: string[] = [];
  try {
    records = parse(raw, {
      bom: true,
      columns: (names: string[]) => {
        header = names.map((n) => n.trim());
        return header;
      },
      info: true,
      skip_empty_lines: true,
      trim: true,
    });
  } catch (cause) {
    throw new DatasetError(`${path} is not valid CSV: ${(cause as Error).message}`, {
      cause,
      details: { path },
    });
  }
  if (header.length === 0 || records.length === 0) {
    throw new DatasetError(
      `${path} is empty: it needs a header row ("${textColumn},${labelColumn}") and examples.`,
      {
        details: { path },
      },
    );
  }
  for (const column of [textColumn, labelColumn]) {
    if (!header.includes(column)) {
      throw new DatasetError(
        `${path} has no "${column}" column (columns: ${header.join(", ")}); name the right one with ${column === textColumn ? "textColumn" : "labelColumn"}.`,
        { details: { path, column, columns: header } },
      );
    }
  }
  const examples = records.map(({ record, info }) => ({
    text: record[textColumn] ?? "",
    label: record[labelColumn] ?? "",
    line: info.lines,
  }));
  checkExamples(examples, {
    minPerClass: 1,
    source: path,
    ...(options.labels ? { labels: options.labels } : {}),
  });
  return examples;
}
