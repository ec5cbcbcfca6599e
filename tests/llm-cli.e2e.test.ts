/*
 * End-to-end tests of llm steps through the built `catena` binary: with no provider configured
 * (items deferred, the summary says why), against the local OpenAI-compatible test server (through
 * OPENAI_BASE_URL), and the pinned-model check of `catena lock --check --strict`.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type OpenAiTestServer, startOpenAiTestServer } from "@catena/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, repoRoot } from "./support/ensure-built.ts";
import { catena } from "./support/run-catena.ts";

const llmChains = join(repoRoot, "tests/fixtures/cli/llm-chains.ts");
let dir: string;
let server: OpenAiTestServer;
const saved = { key: process.env.OPENAI_API_KEY, url: process.env.OPENAI_BASE_URL };

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), "catena-llm-cli-"));
  server = await startOpenAiTestServer(() => ({
    json: { label: "card" },
    tokenLogprobs: { card: Math.log(0.95) },
  }));
  // The spawned CLI inherits this process's environment: no provider unless a test sets one.
  delete process.env.OPENAI_API_KEY;
  delete process.env.OPENAI_BASE_URL;
}, 180_000);

afterAll(async () => {
  if (saved.key !== undefined) process.env.OPENAI_API_KEY = saved.key;
  if (saved.url !== undefined) process.env.OPENAI_BASE_URL = saved.url;
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("catena with llm steps", () => {
  it("defers the LLM's items when no provider is configured, and the batch summary says why", async () => {
    const file = join(dir, "items.jsonl");
    await writeFile(file, ['{"text":"I want my money back"}', '{"text":"where is my card"}', ""].join("\n"));
    const r = await catena(
      ["batch", "intent", "--file", file, "--out", join(dir, "out.jsonl"), "--chains", llmChains],
      {
        cwd: dir,
      },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("deferred 2 (PROVIDER_NOT_CONFIGURED 2)");
    expect(r.stdout).toMatch(
      /2 items deferred because an llm step has no model provider: set OPENAI_API_KEY/,
    );
    const first = JSON.parse((await readFile(join(dir, "out.jsonl"), "utf8")).split("\n")[1] as string); // after the header
    expect(first.deferred.best).toMatchObject({ tier: "keywords", result: { label: "refund" } });
  });

  it("answers through an OpenAI-compatible server given by OPENAI_BASE_URL", async () => {
    process.env.OPENAI_BASE_URL = server.url;
    try {
      // --no-trace: this test is about the provider; tracing of LLM runs is tested with the tracer.
      const args = ["--no-trace", "run", "intent", "--text", "where is my card", "--chains", llmChains];
      const r = await catena(args, { cwd: dir });
      expect(r.stderr).not.toMatch(/^catena: /m);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ label: "card", tier: "gpt" });
    } finally {
      delete process.env.OPENAI_BASE_URL;
    }
  });

  it("prints an llm step's tokens to stderr as they stream with --stream, the output alone on stdout", async () => {
    process.env.OPENAI_BASE_URL = server.url;
    try {
      const args = ["--no-trace", "run", "ask", "--text", "hello", "--stream", "--chains", llmChains];
      const r = await catena(args, { cwd: dir });
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('[answer] {"label":"card"}\n');
      expect(server.chatRequests().at(-1)?.stream).toBe(true);
      expect(JSON.parse(r.stdout)).toBe('{"label":"card"}');
    } finally {
      delete process.env.OPENAI_BASE_URL;
    }
  });

  it("streams an answer repaired after failing its schema under a header of its own, not run on from the first", async () => {
    const repairing = await startOpenAiTestServer([{ json: { queue: 5 } }, { json: { queue: "shipping" } }]);
    process.env.OPENAI_BASE_URL = repairing.url;
    try {
      const args = [
        "--no-trace",
        "run",
        "route",
        "--text",
        "where is my parcel",
        "--stream",
        "--chains",
        llmChains,
      ];
      const r = await catena(args, { cwd: dir });
      expect(r.code).toBe(0);
      expect(repairing.chatRequests()).toHaveLength(2);
      expect(r.stderr).toContain('[route] {"queue":5}\n[route, call 2] {"queue":"shipping"}\n');
      expect(JSON.parse(r.stdout)).toEqual({ queue: "shipping" });
    } finally {
      delete process.env.OPENAI_BASE_URL;
      await repairing.close();
    }
  });

  it("warns about a floating model alias, and `lock --check --strict` fails on it", async () => {
    const lockfile = join(dir, "catena.lock.json");
    const lock = await catena(["lock", "--lockfile", lockfile, "--chains", llmChains], { cwd: dir });
    expect(lock.code).toBe(0);
    expect(lock.stderr).toMatch(/CATENA_FLOATING_MODEL.*"openai:gpt-4o"/);
    const loose = await catena(["lock", "--check", "--lockfile", lockfile, "--chains", llmChains], {
      cwd: dir,
    });
    expect(loose.code).toBe(0);
    const strict = await catena(
      ["lock", "--check", "--strict", "--lockfile", lockfile, "--chains", llmChains],
      {
        cwd: dir,
      },
    );
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/ask@1\.0\.0: step "answer" uses the floating model alias "openai:gpt-4o"/);
  });
});
