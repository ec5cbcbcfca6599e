import { parse } from "csv-parse/sync";
import { DatasetError } from "../errors/ml-errors.ts";
import { checkExamples, type LabelledExample } from "./labelled-example.ts";
import { readDataText } from "./read-data-text.ts";

/** Options of {@link readLabelledCsv}. */
export interface ReadLabelledCsvOptions {
  /** Header of the text column (default `"text"`). */
  textColumn?: string;
  /** Header of the label column (default `"label"`). */
  labelColumn?: string;
  /** The allowed labels; rows with others are reported with their line numbers. */
  labels?: readonly string[];
  /** Field separator (default: a tab for `.tsv` and `.tab` files, else a comma). */
  delimiter?: string;
  /** Keep rows with a blank text instead of refusing the file (see `checkExamples`). */
  keepBlankTexts?: boolean;
}

/**
 * Reads a CSV file with a header row into labelled examples (each with its line number), and checks
 * it: a missing file, an empty file, a missing column, empty cells and labels outside `labels` are
 * `DatasetError`s that name the file, the column or the lines. A column named in another case
 * (`Text`, `LABEL`) is found when no column has the exact name; a `.tsv` file is split on tabs, one
 * row a line, its quotes kept as text.
 *
 * @example
 * const rows = readLabelledCsv("banking77/train.csv", { labelColumn: "category" });
 */
export function readLabelledCsv(path: string, options: ReadLabelledCsvOptions = {}): LabelledExample[] {
  const textColumn = options.textColumn ?? "text";
  const labelColumn = options.labelColumn ?? "label";
  const raw = readDataText(path);
  let records: Array<{ record: Record<string, string>; info: { lines: number } }>;
  let header: string[] = [];
  const delimiter = options.delimiter ?? (/\.(tsv|tab)$/i.test(path) ? "\t" : ",");
  // Tab-separated text has no quoting: a quote is part of the text (`my 5" card`, `"lost" card`),
  // and one row is one line, so a stray quote can never merge rows.
  const tabs = delimiter === "\t";
  try {
    records = parse(raw, {
      bom: true,
      delimiter,
      ...(tabs ? { quote: false } : {}),
      columns: (names: string[]) => {
        header = names.map((n) => n.trim());
        return header;
      },
      info: true,
      skip_empty_lines: true,
      trim: true,
    });
  } catch (cause) {
    const firstLine = raw.replace(/^\uFEFF/, "").split(/\r?\n/, 1)[0] ?? "";
    const hint = firstLine.trimStart().startsWith("{")
      ? " It looks like JSON lines: name it .jsonl."
      : firstLine.includes("\t") && !firstLine.includes(",")
        ? " It looks tab-separated: name it .tsv."
        : "";
    // The parser reports an unclosed quote where the file ends; the fix is where it opened.
    const opened =
      (cause as { code?: unknown }).code === "CSV_QUOTE_NOT_CLOSED"
        ? unclosedQuoteLine(raw, delimiter)
        : undefined;
    if (opened !== undefined) {
      throw new DatasetError(
        `${path} line ${opened}: a quote opened on this line is never closed, so it swallows the rest of the file; close it, and write a quote inside a field as "".`,
        { cause, details: { path, line: opened } },
      );
    }
    throw new DatasetError(`${path} is not valid CSV: ${(cause as Error).message}.${hint}`, {
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
    const at = header.flatMap((h, i) => (h.toLowerCase() === column.toLowerCase() ? [i + 1] : []));
    if (at.length > 1) {
      throw new DatasetError(
        `${path} has ${at.length} "${column}" columns (columns ${at.join(" and ")} of the header); rename or remove all but one.`,
        { details: { path, duplicated: column, header } },
      );
    }
  }
  const textKey = columnNamed(header, textColumn);
  const labelKey = columnNamed(header, labelColumn);
  for (const [column, key] of [
    [textColumn, textKey],
    [labelColumn, labelKey],
  ] as const) {
    if (key === undefined) {
      throw new DatasetError(
        `${path} has no "${column}" column (columns: ${header.join(", ")}); name the right one with ${column === textColumn ? "textColumn" : "labelColumn"}.`,
        { details: { path, column, columns: header } },
      );
    }
  }
  const examples = records.map(({ record, info }) => ({
    text: record[textKey as string] ?? "",
    label: record[labelKey as string] ?? "",
    line: info.lines,
  }));
  checkExamples(examples, {
    minPerClass: 1,
    source: path,
    ...(options.labels ? { labels: options.labels } : {}),
    ...(options.keepBlankTexts === undefined ? {} : { keepBlankTexts: options.keepBlankTexts }),
  });
  return examples;
}

/** The header that names `column`: the exact name, else the one header equal to it ignoring case. */
function columnNamed(header: readonly string[], column: string): string | undefined {
  if (header.includes(column)) return column;
  const wanted = column.toLowerCase();
  const matches = header.filter((h) => h.toLowerCase() === wanted);
  return matches.length === 1 ? matches[0] : undefined;
}

/**
 * The 1-based line where the quoted field that is still open at the end of `text` began, if one is:
 * a quote opens a field only at its start, and `""` inside a quoted field is a quote.
 */
function unclosedQuoteLine(text: string, delimiter: string): number | undefined {
  let line = 1;
  let openedAt: number | undefined;
  let atFieldStart = true;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (openedAt !== undefined) {
      if (char === '"') {
        if (text[i + 1] === '"') i++;
        else openedAt = undefined;
      } else if (char === "\n") line++;
      continue;
    }
    if (char === '"' && atFieldStart) {
      openedAt = line;
      continue;
    }
    if (char === "\n") line++;
    atFieldStart =
      char === "\n" ||
      char === delimiter ||
      (atFieldStart && (char === " " || char === "\r" || char === "\uFEFF"));
  }
  return openedAt;
}
