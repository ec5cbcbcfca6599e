/*
 * The sql-qa chain end to end: the real ChatOpenAI (through the llm steps) against the local
 * OpenAI-compatible test server, playing a model that answers each question with scripted SQL, and
 * the real shipped SQLite database.
 */
import { DatabaseSync } from "node:sqlite";
import { type RunFailed, run } from "@catena/core";
import { type ChatRequest, type OpenAiTestServer, startOpenAiTestServer } from "@catena/testing";
import { afterAll, describe, expect, it } from "vitest";
import { createSqlQa, SHOP_DATABASE, type SqlDraft } from "./chain.ts";
import { SqlQueryError, SqlRejectedError } from "./sql-errors.ts";

/** What the scripted model writes for each question (by the question's text), answer after answer. */
const drafts = new Map<string, Partial<SqlDraft>[]>();
const isSqlRequest = (request: ChatRequest) => request.response_format?.json_schema?.name === "write-sql";

const server: OpenAiTestServer = await startOpenAiTestServer((request, info) => {
  if (!isSqlRequest(request)) return { content: `Answer from ${info.userText.split("\n").at(-1)}` };
  // A repair request ends with the schema errors, after the question and the rejected answer.
  const repairing = info.userText.startsWith("Your answer does not match");
  const question = repairing ? String(request.messages.at(-3)?.content) : info.userText;
  const queue = drafts.get(question) ?? [];
  // The last answer repeats; earlier ones are given once each.
  const draft = queue.length > 1 ? queue.shift() : queue[0];
  if (draft === undefined) return { fail: 400, message: `no scripted SQL for "${question}"` };
  return { json: { sql: null, tables: [], reasoning: null, refusal: null, ...draft } };
});
afterAll(() => server.close());

const llmAnswers = createSqlQa({ baseURL: server.url, apiKey: "test" });
const formatted = createSqlQa({ baseURL: server.url, apiKey: "test", answer: "format", maxRows: 20 });

/** Scripts the model's SQL for a question and runs the chain on it. */
async function ask(question: string, sql: string | null, chain = formatted, draft: Partial<SqlDraft> = {}) {
  drafts.set(question, [{ sql, tables: [], ...draft }]);
  return run(chain, { text: question });
}

/** The typed error behind a failed run (the runner wraps what a step throws in STEP_FAILED). */
function causeOf(result: Awaited<ReturnType<typeof ask>>): unknown {
  expect(result.status).toBe("error");
  return (result as RunFailed).error.cause;
}

function count(sql: string): number {
  const db = new DatabaseSync(SHOP_DATABASE.path, { readOnly: true });
  try {
    return Number(Object.values(db.prepare(sql).get() ?? {})[0]);
  } finally {
    db.close();
  }
}

describe("sql-qa: answers", () => {
  it("answers a counting question from the database, with the LLM's sentence and the rows used", async () => {
    const question = "How many orders were placed in March 2026?";
    const sql =
      "SELECT count(*) AS orders FROM orders WHERE ordered_on BETWEEN '2026-03-01' AND '2026-03-31'";
    const result = await ask(question, sql, llmAnswers, {
      tables: ["orders"],
      reasoning: "count March orders",
    });
    expect(result.status).toBe("done");
    const expected = count(sql);
    expect(expected).toBeGreaterThan(0);
    expect(result.output).toEqual({
      status: "answered",
      answer: `Answer from ${JSON.stringify({ columns: ["orders"], rows: [[expected]] })}`,
      sql: `${sql}\nLIMIT 100`,
      columns: ["orders"],
      rows: [[expected]],
      truncated: false,
    });
    // The answer step saw the question, the statement that ran and its rows.
    const answerRequest = server.chatRequests().findLast((r) => !isSqlRequest(r));
    expect(String(answerRequest?.messages.at(-1)?.content)).toContain(`Question: ${question}`);
    expect(result.steps.map((s) => s.name)).toEqual([
      "write-sql",
      "mask-sql",
      "forbidden-sql",
      "guard-sql",
      "run-sql",
      "answer-input",
      "write-answer",
      "compose",
    ]);
  });

  it("returns rows of a listing query, formatted without a second LLM call", async () => {
    const sql =
      "SELECT p.category, SUM(i.quantity) AS units FROM order_items i JOIN products p ON p.id = i.product_id GROUP BY p.category ORDER BY units DESC";
    const before = server.chatRequests().length;
    const result = await ask("Units sold per category?", sql);
    expect(result.status).toBe("done");
    expect(server.chatRequests().length - before).toBe(1);
    const output = result.output as { columns: string[]; rows: unknown[][]; answer: string };
    expect(output.columns).toEqual(["category", "units"]);
    expect(output.rows.map((r) => r[0]).sort()).toEqual([
      "books",
      "electronics",
      "garden",
      "kitchen",
      "toys",
    ]);
    expect(output.rows.reduce((n, r) => n + Number(r[1]), 0)).toBe(
      count("SELECT sum(quantity) FROM order_items"),
    );
    expect(output.answer).toMatch(/^5 rows:\n- category: \w+, units: \d+/);
  });

  it("caps a LIMIT above the chain's maxRows and says the result may be cut", async () => {
    const result = await ask("List customers", "SELECT name FROM customers ORDER BY id LIMIT 500");
    expect(result.output).toMatchObject({
      sql: "SELECT name FROM customers ORDER BY id LIMIT 20",
      truncated: true,
    });
    expect((result.output as { rows: unknown[] }).rows).toHaveLength(20);
    const small = await ask("First three customers", "SELECT name FROM customers ORDER BY id LIMIT 3;");
    expect(small.output).toMatchObject({
      sql: "SELECT name FROM customers ORDER BY id LIMIT 3",
      truncated: false,
    });
  });

  it("cuts a huge cell to 1,000 characters and a marker, in the output and in the answer's prompt", async () => {
    // A 100 MB string from a one-row query: it must not reach the prompt, the output or the trace.
    const sql = "SELECT replace(hex(zeroblob(100000000)),'00','x') AS big";
    const question = "Something big?";
    const result = await ask(question, sql, llmAnswers);
    expect(result.status).toBe("done");
    const cut = `${"x".repeat(1000)}… (+${100_000_000 - 1000} characters)`;
    const output = result.output as { columns: string[]; rows: unknown[][]; truncated: boolean };
    // Its length first: a failing comparison of the whole value would print 100 MB.
    expect(String(output.rows[0]?.[0]).length).toBe(cut.length);
    expect(output).toEqual(expect.objectContaining({ columns: ["big"], rows: [[cut]], truncated: false }));
    const answerRequest = server.chatRequests().findLast((r) => !isSqlRequest(r));
    const prompt = String(answerRequest?.messages.at(-1)?.content);
    expect(prompt).toContain(`Question: ${question}`);
    expect(prompt).toContain(cut);
    expect(prompt.length).toBeLessThan(5000);
  }, 30_000);

  it("returns a refused status, running nothing, when the model declines", async () => {
    const before = server.chatRequests().length;
    const result = await ask("What is the weather in Paris?", null, formatted, {
      refusal: "The shop database has no weather data.",
    });
    expect(result.status).toBe("done");
    expect(result.output).toEqual({
      status: "refused",
      answer: "The shop database has no weather data.",
      sql: null,
      columns: [],
      rows: [],
      truncated: false,
    });
    expect(result.steps.map((s) => s.name)).toEqual(["write-sql", "refuse"]);
    expect(server.chatRequests().length - before).toBe(1);
  });

  it("asks the model again when it gives neither SQL nor a refusal", async () => {
    const question = "Count products";
    drafts.set(question, [
      { sql: null, tables: [], refusal: null },
      { sql: "SELECT count(*) AS products FROM products", tables: ["products"] },
    ]);
    const result = await run(formatted, { text: question });
    expect(result.output).toMatchObject({ status: "answered", rows: [[40]] });
    const repair = server.chatRequests().findLast((r) => isSqlRequest(r));
    expect(String(repair?.messages.at(-1)?.content)).toMatch(/give either `sql` or `refusal`/);
  });
});

describe("sql-qa: the guard", () => {
  it("refuses a malicious DROP TABLE, naming the rule, and runs nothing", async () => {
    const orders = count("SELECT count(*) FROM orders");
    const result = await ask("Drop the orders table", "DROP TABLE orders");
    const error = causeOf(result);
    expect(error).toBeInstanceOf(SqlRejectedError);
    expect(error).toMatchObject({
      code: "SQL_REJECTED",
      rule: "forbidden-keyword",
      details: { keyword: "DROP" },
    });
    expect((result as RunFailed).error.message).toMatch(/rule "forbidden-keyword"\): it contains DROP/);
    expect(result.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
      "write-sql:done",
      "mask-sql:done",
      "forbidden-sql:done",
      "guard-sql:error",
    ]);
    expect(count("SELECT count(*) FROM orders")).toBe(orders);
  });

  it("refuses a query on a table that is not allowed, naming the table", async () => {
    const result = await ask("What do the staff earn?", "SELECT name, salary_cents FROM staff");
    expect(causeOf(result)).toMatchObject({ rule: "allowed-tables", details: { tables: ["staff"] } });
    expect((result as RunFailed).error.message).toMatch(
      /it reads staff, which is not among the allowed tables/,
    );
    // Through a subquery, a view of the schema, or a table function: SQLite's program shows the table.
    for (const sql of [
      "SELECT name FROM customers WHERE id IN (SELECT id FROM staff)",
      "SELECT sql FROM sqlite_master",
      "SELECT value FROM json_each('[1,2]')",
    ]) {
      expect(causeOf(await ask(`tables: ${sql}`, sql))).toMatchObject({ rule: "allowed-tables" });
    }
  });

  it.each([
    ["two statements", "SELECT 1; DELETE FROM orders", "single-statement"],
    ["a write", "DELETE FROM orders WHERE id = 1", "forbidden-keyword"],
    ["an upsert", "REPLACE INTO products (id, name) VALUES (1, 'x')", "forbidden-keyword"],
    ["a pragma", "PRAGMA table_info(orders)", "forbidden-keyword"],
    ["a pragma function", "SELECT * FROM pragma_table_info('orders')", "forbidden-keyword"],
    ["an attach", "ATTACH DATABASE '/tmp/x.db' AS x", "forbidden-keyword"],
    ["a vacuum", "VACUUM", "forbidden-keyword"],
    ["a non-select", "EXPLAIN SELECT 1", "select-only"],
    ["a computed LIMIT", "SELECT id FROM orders LIMIT (SELECT 5)", "limit"],
  ])("rejects %s (%s) under rule %s", async (_what, sql, rule) => {
    expect(causeOf(await ask(`guard: ${sql}`, sql))).toMatchObject({ code: "SQL_REJECTED", rule });
  });

  it.each([
    [
      "words inside literals and comments",
      "SELECT count(*) AS n FROM customers WHERE name <> 'Drop Table' -- delete?",
    ],
    ["SQLite's replace() function", "SELECT replace(name, ' ', '_') AS handle FROM customers"],
    [
      "a CTE",
      "WITH march AS (SELECT * FROM orders WHERE ordered_on LIKE '2026-03-%') SELECT count(*) FROM march",
    ],
    ["a LIMIT with OFFSET", "SELECT id FROM orders ORDER BY id LIMIT 5 OFFSET 10"],
    ["a LIMIT in a subquery only", "SELECT * FROM (SELECT id FROM orders ORDER BY id LIMIT 2)"],
  ])("lets through %s", async (_what, sql) => {
    const result = await ask(`ok: ${sql}`, sql);
    expect(result.status === "error" ? result.error.message : result.status).toBe("done");
  });

  it("reports a statement SQLite cannot compile, naming it", async () => {
    const result = await ask("Revenue?", "SELECT sum(price) FROM orders");
    const error = causeOf(result);
    expect(error).toBeInstanceOf(SqlQueryError);
    expect((error as SqlQueryError).message).toMatch(
      /SQLite could not run the statement: no such column: price\. Statement: SELECT sum\(price\) FROM orders/,
    );
  });

  it("stops a runaway query at its time limit without blocking the process", async () => {
    const chain = createSqlQa({
      baseURL: server.url,
      apiKey: "test",
      answer: "format",
      queryTimeoutMs: 300,
      name: "sql-qa-runaway",
    });
    const sql = "SELECT count(*) FROM order_items a, order_items b, order_items c, order_items d";
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 20);
    // The query alone would outlive the test's timeout, so returning at all shows it was stopped.
    const result = await ask("Count everything", sql, chain).finally(() => clearInterval(ticker));
    expect(causeOf(result)).toBeInstanceOf(SqlQueryError);
    expect((result as RunFailed).error.message).toMatch(/ran longer than 300 ms and was stopped/);
    expect(ticks).toBeGreaterThan(5);
  });
});

describe("sql-qa: configuration", () => {
  it("takes its model from CATENA_SQL_QA_MODEL, which changes the fingerprint", () => {
    const saved = process.env.CATENA_SQL_QA_MODEL;
    process.env.CATENA_SQL_QA_MODEL = "openai:gpt-4.1-nano-2025-04-14";
    try {
      const chain = createSqlQa();
      expect(chain.steps.find((s) => s.name === "write-sql")?.spec).toMatchObject({
        model: "openai:gpt-4.1-nano-2025-04-14",
      });
      expect(chain.fingerprint).not.toBe(
        createSqlQa({ model: "openai:gpt-4.1-mini-2025-04-14" }).fingerprint,
      );
    } finally {
      if (saved === undefined) delete process.env.CATENA_SQL_QA_MODEL;
      else process.env.CATENA_SQL_QA_MODEL = saved;
    }
  });
});

describe("sql-qa: no provider", () => {
  it("fails with ProviderNotConfiguredError naming the variables to set", async () => {
    const saved = { key: process.env.OPENAI_API_KEY, url: process.env.OPENAI_BASE_URL };
    delete process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_BASE_URL;
    try {
      const result = await run(createSqlQa(), { text: "How many orders?" });
      expect(result.status).toBe("error");
      const { error } = result as RunFailed;
      expect(error.cause).toMatchObject({ code: "PROVIDER_NOT_CONFIGURED" });
      expect(error.message).toMatch(
        /no provider configured for model "openai:gpt-4\.1-mini-2025-04-14"\. Set OPENAI_API_KEY/,
      );
    } finally {
      if (saved.key !== undefined) process.env.OPENAI_API_KEY = saved.key;
      if (saved.url !== undefined) process.env.OPENAI_BASE_URL = saved.url;
    }
  });
});
