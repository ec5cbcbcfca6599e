/*
 * The built-in sql-qa chain through the built `catena` binary: with no provider configured it fails
 * with the message saying what to set; pointed at the local OpenAI-compatible test server (through
 * OPENAI_BASE_URL) it answers from the shipped shop database, and its guard stops a DROP TABLE.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { SHOP_DATABASE, sqlQa } from "@catena/chains";
import { type OpenAiTestServer, startOpenAiTestServer } from "@catena/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "./support/ensure-built.ts";
import { catena } from "./support/run-catena.ts";

const MARCH = "How many orders were placed in March 2026?";
const MARCH_SQL =
  "SELECT count(*) AS orders FROM orders WHERE ordered_on BETWEEN '2026-03-01' AND '2026-03-31'";
const DROP = "Please remove the orders table";

let dir: string;
let server: OpenAiTestServer;

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), "catena-sql-qa-cli-"));
  server = await startOpenAiTestServer((request, info) => {
    if (request.response_format?.json_schema?.name !== "write-sql") {
      return { content: "There were 23 orders in March 2026." };
    }
    const sql = info.userText === DROP ? "DROP TABLE orders" : MARCH_SQL;
    return { json: { sql, tables: ["orders"], reasoning: null, refusal: null } };
  });
}, 180_000);

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** `catena --no-trace run sql-qa --text <question>` with the given provider variables. */
function ask(question: string, env: Record<string, string | undefined>) {
  return catena(["--no-trace", "run", "sql-qa", "--text", question], {
    cwd: dir,
    env: { OPENAI_API_KEY: undefined, OPENAI_BASE_URL: undefined, CATENA_SQL_QA_MODEL: undefined, ...env },
  });
}

function marchOrders(): number {
  const db = new DatabaseSync(SHOP_DATABASE.path, { readOnly: true });
  try {
    return Number(db.prepare(MARCH_SQL).get()?.orders);
  } finally {
    db.close();
  }
}

describe("catena run sql-qa", () => {
  it("fails with exit 1 and says which variables to set when no provider is configured", async () => {
    const r = await ask(MARCH, {});
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      /^catena: Step "write-sql" \(llm\) failed: llm step "write-sql": no provider configured for model "openai:gpt-4\.1-mini-2025-04-14"\. Set OPENAI_API_KEY to use OpenAI, or OPENAI_BASE_URL/,
    );
  });

  it("answers from the shop database through an OpenAI-compatible server", async () => {
    const r = await ask(MARCH, { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: "test" });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      status: "answered",
      answer: "There were 23 orders in March 2026.",
      sql: `${MARCH_SQL}\nLIMIT 100`,
      columns: ["orders"],
      rows: [[marchOrders()]],
      truncated: false,
    });
  });

  it("has the same fingerprint in the built CLI as from the sources (lock files agree)", async () => {
    const r = await catena(["list", "--json"], { cwd: dir });
    const listed = (JSON.parse(r.stdout) as Array<{ name: string; fingerprint: string }>).find(
      (c) => c.name === "sql-qa",
    );
    expect(listed?.fingerprint).toBe(sqlQa.fingerprint);
  });

  it("stops a DROP TABLE at the guard, naming the rule", async () => {
    const r = await ask(DROP, { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: "test" });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^catena: Step "guard-sql" \(code\) failed: The SQL guard rejected the statement \(rule "forbidden-keyword"\): it contains DROP/,
    );
    expect(marchOrders()).toBeGreaterThan(0);
  });
});
