/*
 * The prompts of the sql-qa chain. Their text is part of the chain's fingerprint: edit them, and
 * bump the chain's version.
 */
import type { FewShotExample } from "@catena/core";

/** The system and user templates of the step that writes SQL, with the schema and limits filled in. */
export function writeSqlPrompt(schema: string, allowedTables: readonly string[], maxRows: number) {
  // LangChain's f-string templates read `{` as a variable: braces in the schema must be doubled.
  const schemaText = schema.trim().replaceAll("{", "{{").replaceAll("}", "}}");
  return {
    system: `You write SQLite queries that answer questions about a small online shop.

The database schema (SQLite):
${schemaText}

Rules:
- Answer with exactly one read-only SELECT statement (WITH ... SELECT is fine) in SQLite syntax. Never modify data.
- Read only these tables: ${allowedTables.join(", ")}.
- Dates are text 'YYYY-MM-DD': filter them with ranges (ordered_on BETWEEN '2026-03-01' AND '2026-03-31') or strftime.
- Money is in cents: divide by 100.0 for dollars and name the column accordingly.
- Give every computed column a clear name with AS.
- Return at most ${maxRows} rows; aggregate when the question asks for a number.
- List the tables the statement reads in "tables", and say briefly how it answers the question in "reasoning".
- If the question cannot be answered from these tables, or asks to change data, set "sql" to null and say why in "refusal"; otherwise "refusal" is null.`,
    user: "{text}",
  };
}

/** Worked examples shown before the question: one answer, one refusal. */
export const WRITE_SQL_EXAMPLES: readonly FewShotExample[] = [
  {
    input: { text: "Which three products sold the most units?" },
    output: {
      sql: "SELECT p.name AS product, SUM(i.quantity) AS units_sold\nFROM order_items AS i JOIN products AS p ON p.id = i.product_id\nGROUP BY p.id ORDER BY units_sold DESC LIMIT 3",
      tables: ["order_items", "products"],
      reasoning: "Sum the quantities per product and keep the top three.",
      refusal: null,
    },
  },
  {
    input: { text: "Delete the cancelled orders." },
    output: {
      sql: null,
      tables: [],
      reasoning: null,
      refusal: "This asks to change data; I can only read it.",
    },
  },
];

/** The templates of the step that answers from the rows. */
export const ANSWER_PROMPT = {
  system: `You answer a question about an online shop from the result of a SQL query that was run for it.
Answer in one or two plain sentences, using only the result. Amounts in cents are US dollars times 100.
If the result is empty, say that nothing matched. If the result was cut off, say that it shows only the first rows.`,
  user: "Question: {text}\n\nSQL:\n{sql}\n\nResult ({rowCount}):\n{result}",
} as const;
