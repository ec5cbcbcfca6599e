import type { SqliteQueryResult } from "./sqlite-query-runner.ts";

const SHOWN_ROWS = 5;

/**
 * The deterministic answer of the sql-qa chain (no second LLM call): one value as `column: value`,
 * one row as its fields, more rows counted with the first few listed.
 *
 * @example
 * formatAnswer({ columns: ["orders"], rows: [[23]], truncated: false }) // "orders: 23"
 */
export function formatAnswer(result: SqliteQueryResult): string {
  const { columns, rows, truncated } = result;
  if (rows.length === 0) return "No rows matched the question.";
  const rowText = (row: readonly unknown[]): string =>
    row.map((value, i) => `${columns[i] ?? `column ${i + 1}`}: ${cellText(value)}`).join(", ");
  if (rows.length === 1) return rowText(rows[0] as unknown[]);
  const count = truncated ? `More than ${rows.length} rows` : `${rows.length} rows`;
  const shown = rows.slice(0, SHOWN_ROWS).map((row) => `- ${rowText(row)}`);
  const more = rows.length > SHOWN_ROWS ? [`- … ${rows.length - SHOWN_ROWS} more`] : [];
  return [`${count}:`, ...shown, ...more].join("\n");
}

function cellText(value: unknown): string {
  if (value === null) return "null";
  return typeof value === "string" ? value : String(value);
}
