import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { checkExamples, type LabelledExample, readLabelledCsv } from "@catena/core/ml";
import { CliError } from "../cli-error.ts";
import { assertUtf8File } from "./assert-utf8-file.ts";
import { readCsvColumns } from "./csv-column-error.ts";

/** A labelled eval item: the chain's input (the whole record) and its expected value of the label field. */
export interface EvalItem {
  input: Record<string, unknown>;
  label: string;
  line: number;
}

/**
 * Reads labelled items from a `.jsonl` file (one object per line with `text` and the expected value
 * in the label field, e.g. `queue`, or in `label`) or a `.csv` / `.tsv` file (`text` and a column
 * named like the label field, or `label` or `category`, in any case), checked against the label set when one is given:
 * problems are errors naming the lines. An empty file is an error that says so; a CSV file without
 * the columns is a usage error naming `option`, the flag the file came with. `eval`, `skew` and
 * `calibrate` read their data with it, so the messages speak of labelled items, not evals.
 * `keepBlankTexts` keeps an item with a blank text (an eval counts it as one the chain refuses).
 */
export function readEvalItems(
  path: string,
  shownAs: string,
  labels?: readonly string[],
  field = "label",
  option = "--data",
  keepBlankTexts = false,
): EvalItem[] {
  assertUtf8File(path, shownAs);
  const raw = readFileSync(path, "utf8");
  const csv = [".csv", ".tsv", ".tab"].includes(extname(path).toLowerCase());
  if (raw.trim() === "" || (csv && raw.trim().split("\n").length < 2)) {
    throw new CliError(
      `${shownAs} is empty: there are no items to evaluate; give one labelled item per line, e.g. {"text": "...", "${field}": "..."}.`,
    );
  }
  if (csv) {
    const header = raw.split("\n", 1)[0] ?? "";
    // Any case: readLabelledCsv finds `Label` for "label" too.
    const has = (column: string) =>
      new RegExp(`(^|[,\\t])\\s*"?${escapeRegExp(column)}"?\\s*([,\\t]|$)`, "i").test(header);
    const labelColumn = [field, "label", "category"].find(has) ?? field;
    const labelColumns = [...new Set([field, "label", "category"])];
    const read = () => readLabelledCsv(path, { labelColumn, keepBlankTexts, ...(labels ? { labels } : {}) });
    return readCsvColumns(read, { option, shown: shownAs, labelColumns }).map((e, i) => ({
      input: { text: e.text },
      label: e.label,
      line: e.line ?? i + 2,
    }));
  }
  const items: EvalItem[] = [];
  raw.split("\n").forEach((text, i) => {
    if (text.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new CliError(`${shownAs} line ${i + 1} is not valid JSON: ${(error as Error).message}`);
    }
    const record = value as Record<string, unknown>;
    const expected =
      typeof value === "object" && value !== null ? (record[field] ?? record.label) : undefined;
    if (typeof expected !== "string") {
      throw new CliError(
        `${shownAs} line ${i + 1} has no "${field}" string; each labelled item needs its expected ${field}, e.g. {"text": "...", "${field}": "..."}.`,
      );
    }
    items.push({ input: record, label: expected, line: i + 1 });
  });
  const examples: LabelledExample[] = items.map((item) => ({
    text: typeof item.input.text === "string" ? item.input.text : "-",
    label: item.label,
    line: item.line,
  }));
  checkExamples(examples, {
    minPerClass: 1,
    source: shownAs,
    keepBlankTexts,
    ...(labels ? { labels } : {}),
  });
  return items;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
