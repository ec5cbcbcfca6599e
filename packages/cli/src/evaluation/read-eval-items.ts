import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { checkExamples, type LabelledExample, readLabelledCsv } from "@catena/core/ml";
import { CliError } from "../cli-error.ts";

/** A labelled eval item: the chain's input (the whole record) and its expected label. */
export interface EvalItem {
  input: Record<string, unknown>;
  label: string;
  line: number;
}

/**
 * Reads labelled items from a `.jsonl` file (one object per line with `text` and `label`) or a
 * `.csv` file (`text` and `label` or `category` columns), checked against the label set when one
 * is given: problems are errors naming the lines.
 */
export function readEvalItems(path: string, shownAs: string, labels?: readonly string[]): EvalItem[] {
  if (extname(path).toLowerCase() === ".csv") {
    const header = readFileSync(path, "utf8").split("\n", 1)[0] ?? "";
    const labelColumn = /(^|,)\s*"?category"?\s*(,|$)/.test(header) ? "category" : "label";
    return readLabelledCsv(path, { labelColumn, ...(labels ? { labels } : {}) }).map((e, i) => ({
      input: { text: e.text },
      label: e.label,
      line: e.line ?? i + 2,
    }));
  }
  const items: EvalItem[] = [];
  readFileSync(path, "utf8")
    .split("\n")
    .forEach((text, i) => {
      if (text.trim() === "") return;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new CliError(`${shownAs} line ${i + 1} is not valid JSON: ${(error as Error).message}`);
      }
      const record = value as Record<string, unknown>;
      if (typeof value !== "object" || value === null || typeof record.label !== "string") {
        throw new CliError(
          `${shownAs} line ${i + 1} has no "label" string; eval items need their expected label.`,
        );
      }
      items.push({ input: record, label: record.label, line: i + 1 });
    });
  const examples: LabelledExample[] = items.map((item) => ({
    text: typeof item.input.text === "string" ? item.input.text : "-",
    label: item.label,
    line: item.line,
  }));
  checkExamples(examples, { minPerClass: 1, source: shownAs, ...(labels ? { labels } : {}) });
  return items;
}
