// A script for `catena-test-server --script` that answers the sql-qa chain and its judge offline:
// the SQL writer gets a fixed statement per eval question (one deliberately wrong: Germany counts
// every customer), and the judge passes an output when it states every number and capitalised
// name of the reference answer. Used by the README's eval/compare/judge-align walk-through and the tests.
const SQL = {
  "How many orders were placed in March 2026?":
    "SELECT count(*) AS orders FROM orders WHERE ordered_on BETWEEN '2026-03-01' AND '2026-03-31'",
  "How many customers do we have?": "SELECT count(*) AS customers FROM customers",
  "How many customers are from Germany?": "SELECT count(*) AS customers FROM customers",
  "How many books do we sell?": "SELECT count(*) AS products FROM products WHERE category = 'books'",
  "Which product is the most expensive?": "SELECT name FROM products ORDER BY unit_price_cents DESC LIMIT 1",
  "How many orders were cancelled?": "SELECT count(*) AS cancelled FROM orders WHERE status = 'cancelled'",
};

function between(text, start, end) {
  const from = text.indexOf(start);
  if (from < 0) return "";
  const rest = text.slice(from + start.length);
  const to = end === undefined ? -1 : rest.indexOf(end);
  return to < 0 ? rest : rest.slice(0, to);
}

export default function reply(request, info) {
  const schema = request.response_format?.json_schema?.name ?? request.tool_choice?.function?.name;
  if (schema === "write-sql") {
    const sql = SQL[info.userText.trim()];
    return sql
      ? { json: { sql, tables: ["orders", "customers", "products"], reasoning: null, refusal: null } }
      : { json: { sql: null, tables: [], reasoning: null, refusal: "Not a question about the shop." } };
  }
  if (schema === "verdict") {
    const reference = between(info.userText, "Reference answer (may be empty):", "Output to grade:");
    const graded = between(info.userText, "Output to grade:", "Reason briefly").toLowerCase();
    const wanted = reference.match(/\d+(?:\.\d+)?|[A-Z][\w-]+(?: [A-Z][\w-]+)*/g) ?? [];
    const missing = wanted.filter((token) => !graded.includes(token.toLowerCase()));
    return {
      json:
        missing.length === 0
          ? { reason: `states ${wanted.join(", ")} as the reference does`, pass: true }
          : { reason: `does not state ${missing.join(", ")}`, pass: false },
    };
  }
  return { content: "I can only answer the sql-qa chain and its judge." };
}
