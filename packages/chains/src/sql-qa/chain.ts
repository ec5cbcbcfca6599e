/*
 * The sql-qa chain: a question in plain English -> an LLM writes one SQLite query as structured
 * output (or refuses) -> a guard (a regex step for forbidden keywords, code for the statement's
 * shape, its LIMIT and, from SQLite's compiled program, the tables it reads) -> the query runs on a
 * read-only database in a worker thread -> an answer from the rows (a second LLM call, or a
 * deterministic formatter).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  assign,
  branch,
  type ChatModelInput,
  code,
  defineChain,
  flow,
  llm,
  regex,
  sequence,
} from "@catena/core";
import { z } from "zod";
import { formatAnswer } from "./format-answer.ts";
import { ANSWER_PROMPT, WRITE_SQL_EXAMPLES, writeSqlPrompt } from "./prompts.ts";
import { scanSql } from "./scan-sql.ts";
import { SqlRejectedError } from "./sql-errors.ts";
import { checkSqlText, checkTables, FORBIDDEN_SQL_RULES } from "./sql-guard.ts";
import { type SqliteQueryResult, SqliteQueryRunner } from "./sqlite-query-runner.ts";

/** The model the chain uses unless told otherwise: a dated snapshot, so answers do not drift. */
export const DEFAULT_SQL_QA_MODEL = "openai:gpt-4.1-mini-2025-04-14";

/** The shop database shipped with the package, and the tables the chain may read in it. */
export const SHOP_DATABASE = {
  path: fileURLToPath(new URL("../../data/sql-qa/shop.sqlite", import.meta.url)),
  schemaPath: fileURLToPath(new URL("../../data/sql-qa/schema.sql", import.meta.url)),
  allowedTables: ["customers", "products", "orders", "order_items"],
} as const;

/** Input of the sql-qa chain: the question. */
export const sqlQaInput = z.object({ text: z.string().trim().min(1).max(2000) });

/** What the model answers: one statement and the tables it reads, or a refusal (exactly one of the two). */
export const sqlDraftSchema = z
  .object({
    sql: z.string().min(1).nullable().describe("One read-only SQLite SELECT statement; null when refusing."),
    tables: z.array(z.string()).describe("The tables the statement reads."),
    reasoning: z.string().nullable().describe("How the statement answers the question, in a sentence."),
    refusal: z
      .string()
      .nullable()
      .describe("Why the question cannot be answered from the schema; else null."),
  })
  .refine((d) => (d.sql === null) !== (d.refusal === null), {
    message: "give either `sql` or `refusal`, and set the other to null",
  });

/**
 * Output of the sql-qa chain. `status: "refused"` when the model declined (the question cannot be
 * answered from the schema, or asks to change data): `answer` says why and nothing was run. A
 * statement the guard rejects, or one SQLite cannot run, fails the run instead, with a
 * `SQL_REJECTED` or `SQL_FAILED` error (the cause of its `STEP_FAILED` error).
 */
export const sqlQaOutput = z.object({
  status: z.enum(["answered", "refused"]),
  answer: z.string(),
  /** The statement that ran (the model's, with its LIMIT added or capped); null when refused. */
  sql: z.string().nullable(),
  columns: z.array(z.string()),
  /** The rows the answer used, as arrays in column order; a long text ends in `… (+N characters)`. */
  rows: z.array(z.array(z.unknown())),
  /** The guard's LIMIT cut the result: there may be more rows. */
  truncated: z.boolean(),
});

/** Input of the sql-qa chain. */
export type SqlQaInput = z.input<typeof sqlQaInput>;
/** Output of the sql-qa chain. */
export type SqlQaOutput = z.output<typeof sqlQaOutput>;
/** What the model answers for a question. */
export type SqlDraft = z.output<typeof sqlDraftSchema>;

/** Options of {@link createSqlQa}. */
export interface SqlQaOptions {
  /** The model that writes SQL (default `CATENA_SQL_QA_MODEL`, else {@link DEFAULT_SQL_QA_MODEL}). */
  model?: ChatModelInput;
  /** The model that writes the answer (default: `model`). */
  answerModel?: ChatModelInput;
  /**
   * `"llm"` (default): a second model call answers in a sentence from the rows; `"format"`: a
   * deterministic answer from the rows, no second call. `CATENA_SQL_QA_ANSWER` sets the default.
   */
  answer?: "llm" | "format";
  /** Another database: its file, its schema as shown to the model, and the tables the chain may read. */
  database?: { path: string; schema: string; allowedTables: readonly string[] };
  /** Rows a query returns at most: the guard adds or caps its LIMIT (default 100). */
  maxRows?: number;
  /** Longest a query may run before it is stopped, in milliseconds (default 5 s). */
  queryTimeoutMs?: number;
  /**
   * Longest text a cell of the result keeps in the prompt, the output and the trace (default
   * 1,000 characters); a longer one is cut and ends in `… (+N characters)`.
   */
  maxCellChars?: number;
  /** API key for models given by id (default `OPENAI_API_KEY`). */
  apiKey?: string;
  /** Base URL of an OpenAI-compatible server for models given by id (default `OPENAI_BASE_URL`). */
  baseURL?: string;
  /** Chain name (default `sql-qa`), to register a differently configured chain beside the built-in one. */
  name?: string;
}

/**
 * Builds a sql-qa chain: questions in plain English answered from a SQLite database by a model
 * that writes one read-only query, checked by a guard before it runs. The built-in {@link sqlQa}
 * is this chain over the shipped shop database.
 *
 * @example
 * const chain = createSqlQa({ answer: "format", maxRows: 20 });
 * const r = await run(chain, { text: "How many orders were placed in March 2026?" });
 * // r.output -> { status: "answered", answer: "orders: 23", sql: "SELECT count(*) AS orders ...", columns, rows, truncated }
 */
export function createSqlQa(options: SqlQaOptions = {}) {
  const database = options.database ?? {
    path: SHOP_DATABASE.path,
    schema: readFileSync(SHOP_DATABASE.schemaPath, "utf8"),
    allowedTables: SHOP_DATABASE.allowedTables,
  };
  const allowedTables = [...database.allowedTables];
  const maxRows = options.maxRows ?? 100;
  const model = options.model ?? (process.env.CATENA_SQL_QA_MODEL || DEFAULT_SQL_QA_MODEL);
  const answerMode = options.answer ?? answerModeFromEnv();
  const provider = {
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
    ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
  };
  // No worker starts until the first query: defining the chain (every `catena` command does) is free.
  const runner = new SqliteQueryRunner(database.path, {
    ...(options.queryTimeoutMs === undefined ? {} : { timeoutMs: options.queryTimeoutMs }),
    ...(options.maxCellChars === undefined ? {} : { maxCellChars: options.maxCellChars }),
  });

  const writeSql = llm("write-sql", {
    model,
    prompt: writeSqlPrompt(database.schema, allowedTables, maxRows),
    schema: sqlDraftSchema,
    examples: WRITE_SQL_EXAMPLES,
    temperature: 0,
    ...provider,
  });

  return defineChain({
    name: options.name ?? "sql-qa",
    version: "1.1.0",
    description:
      "Answers questions about a SQLite database (by default a sample shop): an LLM writes one SELECT, a guard checks it (read-only, allowed tables, a LIMIT), it runs read-only, and the answer comes with the rows.",
    input: sqlQaInput,
    output: sqlQaOutput,
    flow: flow(sqlQaInput)
      .pipe(assign("draft", writeSql))
      .pipe(
        branch(
          "answerable",
          [
            {
              label: "refused",
              when: (d) => d.draft.sql === null,
              flow: code(
                "refuse",
                (d): SqlQaOutput => ({
                  status: "refused",
                  answer: d.draft.refusal ?? "The question cannot be answered from the database.",
                  sql: null,
                  columns: [],
                  rows: [],
                  truncated: false,
                }),
              ),
            },
          ],
          {
            otherwise: sequence(
              assign(
                "masked",
                code("mask-sql", (d) => scanSql(d.draft.sql ?? "").masked, { deps: [scanSql] }),
              ),
              assign("forbidden", regex("forbidden-sql", { rules: FORBIDDEN_SQL_RULES, field: "masked" })),
              assign(
                "query",
                code(
                  "guard-sql",
                  async (d, ctx) => {
                    const checked = checkSqlText(d.draft.sql ?? "", d.forbidden, maxRows);
                    const read = await runner.tablesRead(checked.sql, ctx.signal);
                    if (read.writes)
                      throw new SqlRejectedError("select-only", checked.sql, "it writes to the database");
                    checkTables(checked.sql, read.tables, allowedTables);
                    const body = scanSql(d.draft.sql ?? "").body;
                    return { ...checked, capped: checked.sql !== body };
                  },
                  {
                    spec: { allowedTables, maxRows, runner: { timeoutMs: runner.timeoutMs } },
                    deps: [checkSqlText, checkTables, scanSql, SqlRejectedError],
                  },
                ),
              ),
              assign(
                "result",
                code(
                  "run-sql",
                  async (d, ctx): Promise<SqliteQueryResult> => {
                    const result = await runner.query(d.query.sql, d.query.limit, ctx.signal);
                    // SQLite stopped at the LIMIT: when the guard put it there, more rows may exist.
                    return {
                      ...result,
                      truncated: result.truncated || (d.query.capped && result.rows.length >= d.query.limit),
                    };
                  },
                  { spec: { runner: { timeoutMs: runner.timeoutMs, maxCellChars: runner.maxCellChars } } },
                ),
              ),
              assign(
                "answer",
                answerMode === "format"
                  ? code("format-answer", (d) => formatAnswer(d.result), { deps: [formatAnswer] })
                  : sequence(
                      code("answer-input", (d) => ({
                        text: d.text,
                        sql: d.query.sql,
                        rowCount: `${d.result.rows.length} rows${d.result.truncated ? ", cut off by the LIMIT" : ""}`,
                        result: JSON.stringify({ columns: d.result.columns, rows: d.result.rows }),
                      })),
                      llm("write-answer", {
                        model: options.answerModel ?? model,
                        prompt: ANSWER_PROMPT,
                        temperature: 0,
                        ...provider,
                      }),
                    ),
              ),
              code(
                "compose",
                (d): SqlQaOutput => ({
                  status: "answered",
                  answer: d.answer.trim(),
                  sql: d.query.sql,
                  columns: d.result.columns,
                  rows: d.result.rows,
                  truncated: d.result.truncated,
                }),
              ),
            ),
          },
        ),
      ),
    metadata: { database: "shop", allowedTables },
    examples: [
      { text: "How many orders were placed in March 2026?" },
      { text: "Which five customers spent the most in 2025?" },
      { text: "What is the average order value per product category?" },
    ],
  });
}

function answerModeFromEnv(): "llm" | "format" {
  const value = process.env.CATENA_SQL_QA_ANSWER;
  if (value === undefined || value === "" || value === "llm") return "llm";
  if (value === "format") return "format";
  process.emitWarning(
    `CATENA_SQL_QA_ANSWER must be "llm" or "format", not "${value}"; answering with the LLM.`,
    {
      code: "CATENA_SQL_QA_ANSWER",
    },
  );
  return "llm";
}

/**
 * Questions about the sample shop (customers, products, orders, order_items) answered with SQL:
 * an LLM writes one read-only SELECT, a guard checks it, it runs on the shipped SQLite database,
 * and the answer comes with the rows used. Needs a model provider (OPENAI_API_KEY or
 * OPENAI_BASE_URL); the model is `CATENA_SQL_QA_MODEL` or {@link DEFAULT_SQL_QA_MODEL}.
 *
 * @example
 * const r = await run(sqlQa, { text: "How many orders were placed in March 2026?" });
 * // r.output -> { status: "answered", answer: "23 orders were placed in March 2026.", sql, columns: ["orders"], rows: [[23]] }
 */
export const sqlQa = createSqlQa();
