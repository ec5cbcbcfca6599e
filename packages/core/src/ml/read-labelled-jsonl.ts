import { DatasetError, type DatasetProblem } from "../errors/ml-errors.ts";
import { plural } from "../format/plural.ts";
import { checkExamples, type LabelledExample } from "./labelled-example.ts";
import { readDataText } from "./read-data-text.ts";
import type { ReadLabelledCsvOptions } from "./read-labelled-csv.ts";

const SHOWN = 10;

/**
 * Reads a JSON-lines file of labelled examples, one object a line with the text under `textColumn`
 * (default `"text"`) and the label under `labelColumn` (default `"label"`), each with its line
 * number; blank lines are skipped. A line that is not JSON, not an object, or whose text or label is
 * not a string (a number, `null`, missing) is a `DatasetError` naming the file and the lines, as are
 * the problems `checkExamples` finds (empty cells, labels outside `labels`).
 *
 * @example
 * const rows = readLabelledJsonl("queries.jsonl"); // [{ text, label, line }, ...]
 */
export function readLabelledJsonl(path: string, options: ReadLabelledCsvOptions = {}): LabelledExample[] {
  const textKey = options.textColumn ?? "text";
  const labelKey = options.labelColumn ?? "label";
  const raw = readDataText(path);
  const examples: LabelledExample[] = [];
  const bad: Array<DatasetProblem & { why: string }> = [];
  raw
    .replace(/^\uFEFF/, "")
    .split("\n")
    .forEach((text, i) => {
      const line = i + 1;
      if (text.trim() === "") return;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        bad.push({ index: examples.length, line, why: "not valid JSON" });
        return;
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        bad.push({ index: examples.length, line, why: "not a JSON object" });
        return;
      }
      const record = value as Record<string, unknown>;
      const wrong = [textKey, labelKey].filter((key) => typeof record[key] !== "string");
      if (wrong.length > 0) {
        bad.push({
          index: examples.length,
          line,
          why: wrong.map((key) => `"${key}" is ${kindOf(record[key])}`).join(", "),
        });
        return;
      }
      examples.push({ text: record[textKey] as string, label: record[labelKey] as string, line });
    });
  if (bad.length > 0) {
    const shown = bad
      .slice(0, SHOWN)
      .map((p) => `line ${p.line} (${p.why})`)
      .join(", ");
    throw new DatasetError(
      `${path}: ${plural(bad.length, "line is not a labelled example", "lines are not labelled examples")}: ${shown}${bad.length > SHOWN ? ", ..." : ""}. Each line needs a string text and label, e.g. {"${textKey}": "...", "${labelKey}": "..."}.`,
      { problems: bad.map(({ why: _why, ...p }) => p), details: { path } },
    );
  }
  if (examples.length === 0) {
    throw new DatasetError(
      `${path} is empty: give one labelled example a line, e.g. {"${textKey}": "...", "${labelKey}": "..."}.`,
      { details: { path } },
    );
  }
  checkExamples(examples, {
    minPerClass: 1,
    source: path,
    ...(options.labels ? { labels: options.labels } : {}),
    ...(options.keepBlankTexts === undefined ? {} : { keepBlankTexts: options.keepBlankTexts }),
  });
  return examples;
}

function kindOf(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}
