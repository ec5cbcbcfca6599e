import type { RegexLabelResult, RegexRule } from "@catena/core";
import { scanSql } from "./scan-sql.ts";
import { SqlRejectedError } from "./sql-errors.ts";

/**
 * Keywords that have no place in a read-only query, as rules of the guard's regex step (run on the
 * masked SQL, so literals and comments do not count). `replace(` is SQLite's string function and
 * stays allowed; `REPLACE INTO` is a write. `pragma` also catches the `pragma_*` table functions.
 */
export const FORBIDDEN_SQL_RULES: readonly RegexRule[] = [
  { label: "write", pattern: /\b(?:insert|update|delete|upsert)\b/i },
  { label: "write", pattern: /\breplace\b(?!\s*\()/i },
  { label: "schema-change", pattern: /\b(?:create|drop|alter|reindex|truncate)\b/i },
  { label: "pragma", pattern: /\bpragma/i },
  { label: "attach", pattern: /\b(?:attach|detach)\b/i },
  { label: "maintenance", pattern: /\b(?:vacuum|analyze)\b/i },
  { label: "transaction", pattern: /\b(?:begin|commit|rollback|savepoint|release)\b/i },
  { label: "extension", pattern: /\bload_extension\b/i },
];

/** A statement the guard let through, with the row limit it carries. */
export interface GuardedSql {
  /** The statement to run: the model's, with a LIMIT added or capped. */
  sql: string;
  limit: number;
}

// A LIMIT of whole numbers at the very end: `LIMIT n`, `LIMIT n OFFSET m` or `LIMIT m, n`.
const TRAILING_LIMIT = /\blimit\s+(\d+)(?:\s*,\s*(\d+)|\s+offset\s+\d+)?\s*$/i;

/**
 * The guard's checks on the text of the SQL: one statement, a SELECT (or WITH ... SELECT), no
 * forbidden keyword (the regex step's finding), and a LIMIT of at most `maxRows` (added when
 * missing, capped when larger). Throws a {@link SqlRejectedError} naming the broken rule. Which
 * tables the statement reads is checked afterwards, by SQLite's compiled program.
 *
 * @example
 * checkSqlText("SELECT name FROM customers", noMatch, 100).sql // "SELECT name FROM customers\nLIMIT 100"
 */
export function checkSqlText(sql: string, forbidden: RegexLabelResult, maxRows: number): GuardedSql {
  const { statements, body } = scanSql(sql);
  if (statements.length > 1) {
    throw new SqlRejectedError("single-statement", sql, `it holds ${statements.length} statements`);
  }
  if (forbidden.label !== null) {
    const word = forbidden.match?.text.trim().toUpperCase() ?? forbidden.label;
    throw new SqlRejectedError("forbidden-keyword", sql, `it contains ${word} (${forbidden.label})`, {
      details: { keyword: word, category: forbidden.label },
    });
  }
  const masked = scanSql(body).masked;
  const first = /^\s*([A-Za-z]+)/.exec(masked)?.[1]?.toUpperCase();
  if (first !== "SELECT" && first !== "WITH") {
    const what = first === undefined ? "the statement is empty" : `it is a ${first} statement, not a SELECT`;
    throw new SqlRejectedError("select-only", sql, what);
  }
  const trailing = TRAILING_LIMIT.exec(masked);
  if (trailing !== null) {
    // In `LIMIT m, n` the count is the second number.
    const countAt = trailing[2] === undefined ? 1 : 2;
    const digits = trailing[countAt] ?? "";
    const count = Number(digits);
    if (count <= maxRows) return { sql: body, limit: count };
    const start = trailing.index + trailing[0].lastIndexOf(digits);
    return { sql: `${body.slice(0, start)}${maxRows}${body.slice(start + digits.length)}`, limit: maxRows };
  }
  if (hasOuterLimit(masked)) {
    throw new SqlRejectedError("limit", sql, "its LIMIT is not a whole number; write LIMIT with a number");
  }
  return { sql: `${body}\nLIMIT ${maxRows}`, limit: maxRows };
}

/**
 * Rejects a statement that reads a table outside `allowed` (or a virtual table, a table function
 * or another database), given the tables SQLite's compiled program opens.
 */
export function checkTables(sql: string, tables: readonly string[], allowed: readonly string[]): void {
  const allowedSet = new Set(allowed.map((t) => t.toLowerCase()));
  const outside = tables.filter((t) => !allowedSet.has(t.toLowerCase()));
  if (outside.length === 0) return;
  const which = outside.length === 1 ? "which is" : "which are";
  const reason = `it reads ${outside.join(", ")}, ${which} not among the allowed tables (${allowed.join(", ")})`;
  throw new SqlRejectedError("allowed-tables", sql, reason, { details: { tables: outside, allowed } });
}

/** Whether a LIMIT keyword sits outside every parenthesis (the outermost query's). */
function hasOuterLimit(masked: string): boolean {
  let depth = 0;
  for (const token of masked.matchAll(/[()]|\blimit\b/gi)) {
    if (token[0] === "(") depth++;
    else if (token[0] === ")") depth--;
    else if (depth === 0) return true;
  }
  return false;
}
