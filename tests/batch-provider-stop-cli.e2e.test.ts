/*
 * `catena batch` against a provider that refuses the API key (the local test server through
 * OPENAI_BASE_URL): the batch stops after a few items instead of failing every one, says so in one
 * paragraph on stderr, exits 5, and leaves the items it did not start out of the results file, so
 * that `--resume --retry-failed` after the fix runs every item exactly once.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type OpenAiTestServer, startOpenAiTestServer } from "@catena/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, repoRoot } from "./support/ensure-built.ts";
import { catena } from "./support/run-catena.ts";

const llmChains = join(repoRoot, "tests/fixtures/cli/llm-chains.ts");
const ITEMS = 40;
let dir: string;
let server: OpenAiTestServer;
let keyFixed = false;

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), "catena-batch-provider-stop-"));
  server = await startOpenAiTestServer((_request, info) =>
    keyFixed
      ? {
          json: { label: info.userText.replace(/^Label /, "") },
          usage: { promptTokens: 10, completionTokens: 2 },
        }
      : { fail: 401, message: "Incorrect API key provided: sk-bad." },
  );
}, 180_000);

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const env = () => ({ OPENAI_BASE_URL: server?.url, OPENAI_API_KEY: "sk-bad" });

async function records(path: string): Promise<Array<{ index: number; status: string }>> {
  return (await readFile(path, "utf8"))
    .trim()
    .split("\n")
    .slice(1)
    .map((line) => JSON.parse(line) as { index: number; status: string });
}

describe("catena batch on a bad API key", () => {
  it("stops early with exit 5, and --resume --retry-failed after the fix runs every item exactly once", async () => {
    const file = join(dir, "items.jsonl");
    const out = join(dir, "out.jsonl");
    await writeFile(
      file,
      `${Array.from({ length: ITEMS }, (_, i) => JSON.stringify({ text: `item-${i}` })).join("\n")}\n`,
    );
    const args = ["--no-trace", "batch", "label", "--file", file, "--out", out, "--chains", llmChains];
    const first = await catena([...args, "--concurrency", "2"], { cwd: dir, env: env() });
    expect(first.code).toBe(5);
    const written = await records(out);
    // The fifth failure in a row stops it; the one other item in flight ends too.
    expect(written.length).toBeGreaterThanOrEqual(5);
    expect(written.length).toBeLessThanOrEqual(6);
    const chats = () => server.requests.filter((r) => r.path === "/v1/chat/completions");
    expect(chats()).toHaveLength(written.length);
    expect(written.every((r) => r.status === "error")).toBe(true);
    expect(first.stderr).toMatch(
      new RegExp(
        `^catena: The batch stopped after 5 items in a row failed the same way: the provider refused the API key .*401.*check the API key the server at http://127\\.0\\.0\\.1:\\d+/v1 expects \\(the \`apiKey\` option, else OPENAI_API_KEY\\) and its access to the model, then resume \\(catena batch --resume --retry-failed.* This run: ${written.length} items run \\(${written.length} failed\\), ${ITEMS - written.length} items not run\\.$`,
        "m",
      ),
    );
    expect(first.stdout).toContain(
      `  stopped early (auth): ${written.length} items run, ${ITEMS - written.length} items not run; fix the cause`,
    );

    keyFixed = true;
    const again = await catena([...args, "--resume", "--retry-failed"], { cwd: dir, env: env() });
    expect(again.stderr).not.toMatch(/stopped/);
    expect(again.code).toBe(0);
    const final = await records(out);
    expect(final).toHaveLength(ITEMS);
    expect(new Set(final.map((r) => r.index)).size).toBe(ITEMS);
    expect(final.every((r) => r.status === "done")).toBe(true);
    // Each item reached the fixed provider once: no item ran twice.
    expect(chats()).toHaveLength(written.length + ITEMS);
  }, 120_000);

  it("keeps going with --stop-after-failures never, and refuses a bad value with exit 2", async () => {
    keyFixed = false;
    const file = join(dir, "few.jsonl");
    await writeFile(
      file,
      `${Array.from({ length: 8 }, (_, i) => JSON.stringify({ text: `few-${i}` })).join("\n")}\n`,
    );
    const base = ["--no-trace", "batch", "label", "--file", file, "--chains", llmChains];
    const never = await catena(
      [...base, "--out", join(dir, "never.jsonl"), "--stop-after-failures", "never"],
      {
        cwd: dir,
        env: env(),
      },
    );
    expect(never.code).toBe(1);
    expect(await records(join(dir, "never.jsonl"))).toHaveLength(8);

    const bad = await catena([...base, "--out", join(dir, "bad.jsonl"), "--stop-after-failures", "0"], {
      cwd: dir,
      env: env(),
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      '--stop-after-failures must be a whole number >= 1, or never to keep going whatever fails, got "0".',
    );
  }, 120_000);
});
