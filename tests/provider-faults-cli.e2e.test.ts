/*
 * The provider fault matrix through the CLI: `catena run` and `catena batch` against the local
 * OpenAI-compatible test server (OPENAI_BASE_URL) failing each way a provider fails. Each class
 * exits 1 with one line on stderr naming the model (or embedder), the status and what to do, and
 * nothing on stdout; a batch records each failed item by its code and finishes the others; a batch
 * killed with SIGKILL mid-way resumes without losing or repeating an item.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type EmbeddingsFault,
  type OpenAiTestServer,
  type ScriptedReply,
  startOpenAiTestServer,
} from "@catena/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, repoRoot } from "./support/ensure-built.ts";
import { catena, catenaBin, testStudioDb } from "./support/run-catena.ts";

const chains = join(repoRoot, "tests/fixtures/cli/fault-chains.ts");
const MODEL = /\(openai:gpt-4\.1-mini-2025-04-14\)/;
let dir: string;
let server: OpenAiTestServer;
/** Texts whose faults are over: the provider is back for them. */
const healed = new Set<string>();

// The reply to a message is chosen by its text.
const faults: Record<string, ScriptedReply> = {
  "bad-key": { fail: 401, message: "Incorrect API key provided: sk-test." },
  "too-long": { fail: 400, message: "This model's maximum context length is 128000 tokens." },
  "no-model": { fail: 404, message: "The model `gpt-4.1-mini-2025-04-14` does not exist." },
  "wait-a-day": { fail: 429, retryAfter: "86400" },
  "no-credit": { fail: 429, errorCode: "insufficient_quota", message: "You exceeded your current quota." },
  overloaded: { fail: 503 },
  garbled: { malformed: true },
  reset: { disconnect: true },
  hang: { hang: true },
  // Text lost on the way: billed output tokens, no text (an empty answer that ended normally is fine).
  empty: { content: "", usage: { completionTokens: 5 } },
  filtered: { content: "", finishReason: "content_filter" },
  "sse-error": { content: "one two three", streamError: { afterChunks: 2 } },
};
// The embeddings endpoint fails by the text to embed.
const embedFaults: Record<string, EmbeddingsFault> = {
  "embed-bad-key": { fail: 401, message: "Incorrect API key provided: sk-test." },
  "embed-overloaded": { fail: 503 },
};

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), "catena-provider-faults-cli-"));
  server = await startOpenAiTestServer({
    chat: (_request, info) =>
      !healed.has(info.userText) && info.userText in faults
        ? (faults[info.userText] as ScriptedReply)
        : { content: `answer to ${info.userText}`, delayMs: 10 },
    embeddingsFaults: (request) => embedFaults[String(request.input)],
  });
}, 180_000);

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const env = () => ({ OPENAI_BASE_URL: server.url, OPENAI_API_KEY: "sk-test" });

// One `catena run` per way the error reads (the key, a transient failure, a refusal, a stream's
// error event, the embedder); the batch below shows the message of every other fault.
describe("catena run against a failing provider", () => {
  const cases: Array<{ text: string; chain?: string; stream?: boolean; stderr: RegExp[] }> = [
    {
      text: "bad-key",
      stderr: [
        MODEL,
        /last: 401 Incorrect API key provided: sk-test\. Check the API key the server at \S+ expects \(the `apiKey` option, else OPENAI_API_KEY\)/,
      ],
    },
    { text: "overloaded", stderr: [/failed 2 times/, MODEL, /last: 503 .*Check the provider's status/] },
    { text: "filtered", stderr: [/gpt-4\.1-mini-2025-04-14 did not answer: the provider's content filter/] },
    {
      text: "sse-error",
      stream: true,
      stderr: [/failed 2 times/, /\(an error event in the streamed answer, type server_error\)/],
    },
    {
      text: "embed-bad-key",
      chain: "nearest",
      stderr: [
        /embedder "openai:text-embedding-3-small:d4": the embeddings provider failed 1 time; last: 401 .*Check the API key the server at \S+ expects \(the `apiKey` option, else OPENAI_API_KEY\)/,
      ],
    },
    {
      text: "embed-overloaded",
      chain: "nearest",
      stderr: [/the embeddings provider failed 2 times; last: 503 .*Check the provider's status, or raise/],
    },
  ];

  it.each(cases)("$text: exit 1, one line on stderr saying what failed and what to do", async (c) => {
    const args = ["--no-trace", "run", c.chain ?? "answer", "--text", c.text, "--chains", chains];
    const r = await catena(c.stream ? [...args, "--stream"] : args, { cwd: dir, env: env() });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe("");
    // With --stream the tokens that came before the error are on stderr too; the error is the last line.
    const lines = r.stderr.trimEnd().split("\n");
    if (!c.stream) expect(lines).toHaveLength(1);
    const last = lines.at(-1) ?? "";
    expect(last).toMatch(/^catena: /);
    for (const part of c.stderr) expect(last).toMatch(part);
    expect(r.stderr).not.toMatch(/Troubleshooting URL|\bat .*\.js:\d+|APIError/);
  });
});

describe("a traced run against a failing provider", () => {
  it("is an error run in the local studio, its step's run naming the provider's error and code", async () => {
    const traced = { ...env(), CATENA_STUDIO_DB: join(dir, "studio.db") };
    const r = await catena(["run", "answer", "--text", "wait-a-day", "--chains", chains], {
      cwd: dir,
      env: traced,
    });
    expect(r.code, r.stderr).toBe(1);
    const listed = await catena(["traces", "--json", "--status", "error"], { cwd: dir, env: traced });
    const runs = JSON.parse(listed.stdout) as Array<{ runId: string; chain: string; error: string }>;
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      chain: "answer",
      error: expect.stringMatching(/^StepError \[STEP_FAILED\]/),
    });
    const shown = await catena(["trace", runs[0]?.runId ?? "", "--json"], { cwd: dir, env: traced });
    const trace = JSON.parse(shown.stdout) as {
      status: string;
      children: Array<{ name: string; error?: string }>;
    };
    expect(trace.status).toBe("error");
    expect(trace.children.find((c) => c.name === "answer")?.error).toMatch(
      /caused by: ProviderError \[PROVIDER_FAILED\]: .*\(openai:gpt-4\.1-mini-2025-04-14\); last: 429 /,
    );
  });
});

describe("catena batch against each provider fault", () => {
  it("records each failed item by its code, finishes the others, exits 1, and --retry-failed runs them again", async () => {
    const file = join(dir, "items.jsonl");
    const out = join(dir, "out.jsonl");
    const texts = [...Object.keys(faults).filter((t) => t !== "sse-error"), "card", "refund", "other"];
    await writeFile(file, `${texts.map((text) => JSON.stringify({ text })).join("\n")}\n`);
    const args = ["--no-trace", "batch", "answer", "--file", file, "--out", out, "--chains", chains];
    const first = await catena([...args, "--concurrency", "4"], { cwd: dir, env: env() });
    expect(first.code, first.stderr).toBe(1);
    expect(first.stdout).toMatch(/done 3\b/);
    expect(first.stdout).toMatch(/failed 11\b/);
    // The summary lists each failed item with what its provider said and what to do.
    const said = [
      /\(item 1\): .*last: 400 .*context length.* fix the step's model or prompt/,
      /\(item 2\): .*last: 404 The model .* does not exist\. The provider refused/,
      /\(item 3\): .*last: 429 .*asked to wait 24 h, longer than `retry\.maxRetryAfterMs` \(2 s\)/,
      /\(item 4\): .*failed 1 time.*last: 429 .*run out of quota \(insufficient_quota\): check its plan/,
      /\(item 6\): .*failed 2 times.*last: the provider's answer is not valid JSON/,
      /\(item 7\): .*failed 2 times.*last: Connection error\./,
      /\(item 8\): .*failed 2 times.*last: no answer within 1500 ms \(the step's `callTimeoutMs`\)\./,
      /\(item 9\): .*failed 2 times.*last: the provider billed 5 output tokens but sent no text/,
    ];
    for (const line of said) expect(first.stdout).toMatch(line);
    expect(first.stdout).toContain("run them again with --resume --retry-failed");
    const records = (await readFile(out, "utf8"))
      .trim()
      .split("\n")
      .slice(1)
      .map(
        (l) =>
          JSON.parse(l) as { input: { text: string }; status: string; error?: { cause?: { code?: string } } },
      );
    expect(records.map((r) => r.input.text).sort()).toEqual([...texts].sort());
    const codes = Object.fromEntries(
      records.filter((r) => r.status === "error").map((r) => [r.input.text, r.error?.cause?.code]),
    );
    expect(codes).toEqual({
      ...Object.fromEntries(texts.slice(0, 10).map((t) => [t, "PROVIDER_FAILED"])),
      filtered: "MODEL_REFUSED",
    });

    for (const text of texts) healed.add(text);
    try {
      const again = await catena([...args, "--retry-failed"], { cwd: dir, env: env() });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/done 11\b/);
      const lines = (await readFile(out, "utf8")).trim().split("\n").slice(1);
      expect(lines).toHaveLength(texts.length);
    } finally {
      healed.clear();
    }
  });

  it("killed with SIGKILL mid-way, resumes without losing or repeating an item, failed ones included", async () => {
    const file = join(dir, "kill-items.jsonl");
    const out = join(dir, "kill-out.jsonl");
    const N = 60;
    // Every sixth item meets a fault that is not retried; the others take a little time to answer.
    const texts = Array.from({ length: N }, (_, i) => (i % 6 === 5 ? "bad-key" : `item ${i}`));
    await writeFile(file, `${texts.map((text, i) => JSON.stringify({ text, i })).join("\n")}\n`);
    const args = ["--no-trace", "batch", "answer", "--file", file, "--out", out, "--chains", chains];

    const child = spawnCatena([...args, "--concurrency", "2"]);
    const before = await killAfter(child, out, 10);
    expect(before).toBeGreaterThanOrEqual(10);
    expect(before).toBeLessThan(N);

    const resumed = await catena([...args, "--resume"], { cwd: dir, env: env() });
    expect(resumed.code, resumed.stderr).toBe(1); // the bad-key items failed
    const text = await readFile(out, "utf8");
    const records = text
      .trim()
      .split("\n")
      .slice(1)
      .map(
        (l) =>
          JSON.parse(l) as { input: { i: number }; status: string; error?: { cause?: { code?: string } } },
      );
    const indices = records.map((r) => r.input.i).sort((a, b) => a - b);
    expect(indices).toEqual(Array.from({ length: N }, (_, i) => i));
    const failed = records.filter((r) => r.status === "error");
    expect(failed.map((r) => r.input.i).sort((a, b) => a - b)).toEqual(
      Array.from({ length: N / 6 }, (_, k) => 6 * k + 5),
    );
    expect(new Set(failed.map((r) => r.error?.cause?.code))).toEqual(new Set(["PROVIDER_FAILED"]));
  });
});

/** `catena ...args` as a child whose output is not awaited, to be killed. */
function spawnCatena(args: string[]): { proc: ChildProcess; exit: Promise<NodeJS.Signals | null> } {
  const proc = spawn(process.execPath, [catenaBin, ...args], {
    cwd: dir,
    env: { ...process.env, CATENA_STUDIO_DB: testStudioDb, NO_COLOR: "1", ...env() },
    stdio: "ignore",
  });
  const exit = new Promise<NodeJS.Signals | null>((resolve) =>
    proc.on("close", (_code, signal) => resolve(signal)),
  );
  return { proc, exit };
}

/** Waits until the results file holds `min` records, then kills the child with SIGKILL; the records then. */
async function killAfter(
  child: { proc: ChildProcess; exit: Promise<NodeJS.Signals | null> },
  path: string,
  min: number,
): Promise<number> {
  const records = async () => {
    if (!existsSync(path)) return 0;
    const text = await readFile(path, "utf8");
    // Whole lines after the header: a torn last line does not count.
    return Math.max(0, text.slice(0, text.lastIndexOf("\n") + 1).split("\n").length - 2);
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && child.proc.exitCode === null && (await records()) < min) {
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(child.proc.exitCode, "the batch ended before it could be killed").toBeNull();
  child.proc.kill("SIGKILL");
  expect(await child.exit).toBe("SIGKILL");
  return records();
}
