/** A SQL text as the guard reads it. */
export interface ScannedSql {
  /**
   * The text with string literals, quoted identifiers and comments blanked out (same length, same
   * positions), so that keyword rules see only what SQLite reads as SQL: `WHERE name = 'drop'` or
   * a column `"delete"` do not look like a DROP or a DELETE.
   */
  masked: string;
  /** The statements, split on `;` outside literals and comments, empty ones left out. */
  statements: string[];
  /** The first statement, without its trailing `;`, comments or whitespace: what is run. */
  body: string;
}

// One alternative per lexical element whose contents must not count as SQL. SQLite quotes
// identifiers with "", `` and [], doubles a quote inside a literal to escape it, and ends a
// comment at a newline (--) or at */ (an unterminated /* runs to the end of the text).
const OPAQUE = /'(?:[^']|'')*'?|"(?:[^"]|"")*"?|`(?:[^`]|``)*`?|\[[^\]]*\]?|--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)/g;

/**
 * Reads a SQL text the way SQLite's tokenizer splits it: literals, quoted identifiers and comments
 * are opaque, everything else is SQL. Only as much lexing as the guard needs, not a parser: SQLite
 * itself compiles the statement afterwards (and reports what it cannot read).
 *
 * @example
 * scanSql("SELECT 1; DROP TABLE x").statements.length // 2
 * scanSql("SELECT ';' -- done;").statements.length    // 1
 */
export function scanSql(sql: string): ScannedSql {
  const masked = sql.replace(OPAQUE, (token) => {
    // Keep the quotes so that a literal still separates the words around it.
    if (token.startsWith("--") || token.startsWith("/*")) return " ".repeat(token.length);
    return token.length <= 2 ? token : `${token[0]}${" ".repeat(token.length - 2)}${token.at(-1)}`;
  });
  const statements: string[] = [];
  let start = 0;
  for (let i = 0; i <= masked.length; i++) {
    if (i < masked.length && masked[i] !== ";") continue;
    const piece = masked.slice(start, i);
    if (piece.trim() !== "") {
      const from = start + (piece.length - piece.trimStart().length);
      const to = start + piece.trimEnd().length;
      statements.push(sql.slice(from, to));
    }
    start = i + 1;
  }
  return { masked, statements, body: statements[0] ?? "" };
}
