/*
 * The `catena-test-server` bin of @catena/testing as a chain author runs it: a real process on a
 * free port, answering from the example script file, and the built `catena` pointed at it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, repoRoot } from "./support/ensure-built.ts";
import { catena } from "./support/run-catena.ts";

const bin = join(repoRoot, "packages/testing/bin/catena-test-server.js");
const script = join(repoRoot, "packages/testing/examples/sql-qa-answers.json");
let server: ChildProcess;
let url: string;
let stderr = "";

beforeAll(async () => {
  await ensureBuilt();
  server = spawn(process.execPath, [bin, "--port", "0", "--script", script], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  url = await new Promise<string>((resolve, reject) => {
    let out = "";
    server.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /test server at (http:\/\/127\.0\.0\.1:\d+\/v1)\n/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    server.once("exit", (code) => reject(new Error(`catena-test-server exited ${code}: ${stderr}`)));
  });
}, 180_000);

afterAll(() => {
  if (server.exitCode === null) server.kill("SIGTERM");
});

describe("catena-test-server", () => {
  it("answers chat completions from its script file by message content", async () => {
    const response = await fetch(`${url}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "How many orders?" }] }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]?.message.content).toBe("There were 23 orders in March 2026.");
  });

  it("answers the sql-qa chain run by the catena command", async () => {
    const r = await catena(
      ["--no-trace", "run", "sql-qa", "--text", "How many orders were placed in March 2026?"],
      {
        cwd: repoRoot,
        env: {
          OPENAI_BASE_URL: url,
          OPENAI_API_KEY: "test",
          CATENA_SQL_QA_MODEL: undefined,
          CATENA_SQL_QA_ANSWER: undefined,
        },
      },
    );
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toMatchObject({
      status: "answered",
      answer: "There were 23 orders in March 2026.",
    });
  });

  it("stops cleanly on SIGTERM", async () => {
    const exited = new Promise<number | null>((resolve) => server.once("exit", resolve));
    server.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/stopped \(SIGTERM\), \d+ requests served/);
  });
});
