import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ScriptedReply } from "@catena/testing";
import { ChatOpenAI } from "@langchain/openai";
import { describe, expect, it } from "vitest";
import { testServers, textChain } from "../llm/fixtures/provider-fixture.ts";
import { llm } from "../steps/llm-step.ts";
import { runBatch } from "./run-batch.ts";

// A batch meeting a systemic provider failure (a bad key, no quota) stops after a few items instead
// of failing every item after its own request; a resume after the fix runs the rest exactly once.
// Real ChatOpenAI against the local OpenAI-compatible test server.

const MODEL = "openai:gpt-4.1-mini-2025-04-14";
const start = testServers();

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "catena-provider-stop-"));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function records(path: string): Promise<Array<{ index: number; status: string }>> {
  return (await readFile(path, "utf8"))
    .trim()
    .split("\n")
    .slice(1)
    .map((line) => JSON.parse(line) as { index: number; status: string });
}

async function chainAnswering(reply: (text: string) => ScriptedReply | undefined) {
  const s = await start(
    (_request, info) => reply(info.userText) ?? { content: `answer to ${info.userText}` },
  );
  const step = llm("ask", {
    model: MODEL,
    prompt: "{text}",
    baseURL: s.url,
    apiKey: "k",
    cache: false,
    retry: { attempts: 2, initialMs: 5 },
  });
  return { server: s, chain: textChain("provider-stop", step) };
}

const inputs = Array.from({ length: 60 }, (_, i) => ({ text: `item ${i}` }));

describe("runBatch on a systemic provider failure", () => {
  it("stops after 5 items in a row fail with a 401, and a resume after the fix runs each item exactly once", async () => {
    await withDir(async (dir) => {
      let keyFixed = false;
      const { server, chain } = await chainAnswering(() =>
        keyFixed ? undefined : { fail: 401, message: "Incorrect API key provided: k." },
      );
      const checkpoint = join(dir, "results.jsonl");
      const first = await runBatch(chain, inputs, { checkpoint, concurrency: 3 });
      expect(first.status).toBe("stopped");
      expect(first.done).toBe(0);
      // The fifth failure stops the batch; the items already in flight end (and fail) too.
      expect(first.failed).toBeGreaterThanOrEqual(5);
      expect(first.failed).toBeLessThanOrEqual(5 + 2);
      expect(server.requests.length).toBe(first.failed); // a 401 is not retried
      expect(first.stopError).toMatchObject({
        code: "BATCH_STOPPED",
        details: { cause: "auth", status: 401, failures: 5 },
      });
      expect(first.stopError?.message).toMatch(
        /stopped after 5 items in a row failed the same way: the provider refused the API key .*check the API key the server at http:\/\/127\.0\.0\.1:\d+\/v1 expects \(the `apiKey` option, else OPENAI_API_KEY\) and its access to the model, then resume .*--resume --retry-failed/,
      );
      expect(first.stoppedReason).toBe(first.stopError?.message);
      // Only the items that ran are in the results: the rest are not written as failed.
      const written = await records(checkpoint);
      expect(written).toHaveLength(first.failed);
      expect(written.every((r) => r.status === "error")).toBe(true);

      keyFixed = true;
      const again = await runBatch(chain, inputs, {
        checkpoint,
        resume: true,
        retryFailed: true,
        concurrency: 3,
      });
      expect(again).toMatchObject({ status: "done", failed: 0, done: 60 });
      const final = await records(checkpoint);
      const latest = new Map(final.map((r) => [r.index, r.status]));
      expect(latest.size).toBe(60);
      expect([...latest.values()].every((status) => status === "done")).toBe(true);
      // Each item answered exactly once after the fix: its one successful record.
      expect(final.filter((r) => r.status === "done")).toHaveLength(60);
    });
  });

  it("names the key variable of the provider the step calls, at the provider's own endpoint", async () => {
    const s = await start(() => ({ fail: 401, message: "Incorrect API key provided: sk-old." }));
    // A model at OpenAI's own endpoint (no base URL), its requests sent to the test server.
    const model = new ChatOpenAI({
      model: "gpt-4.1-mini-2025-04-14",
      apiKey: "sk-old",
      maxRetries: 0,
      configuration: {
        fetch: (url: string | URL | Request, init?: RequestInit) =>
          fetch(String(url).replace("https://api.openai.com/v1", s.url), init),
      },
    });
    const step = llm("ask", { model, prompt: "{text}", cache: false, retry: { attempts: 1 } });
    const summary = await runBatch(textChain("provider-stop", step), inputs.slice(0, 10), { concurrency: 1 });
    expect(summary.stopError?.code).toBe("BATCH_STOPPED");
    expect(summary.stopError?.message).toMatch(
      /check the OpenAI API key \(OPENAI_API_KEY, or the `apiKey` option\) and its access to the model, then resume/,
    );
    expect(summary.stopError?.message).not.toMatch(/server at/);
  });

  it("stops on an account out of quota with the quota fix", async () => {
    await withDir(async (dir) => {
      const { chain } = await chainAnswering(() => ({
        fail: 429,
        errorCode: "insufficient_quota",
        message: "You exceeded your current quota.",
      }));
      const summary = await runBatch(chain, inputs, {
        checkpoint: join(dir, "r.jsonl"),
        concurrency: 1,
        stopAfterFailures: 2,
      });
      expect(summary).toMatchObject({ status: "stopped", failed: 2 });
      expect(summary.stopError).toMatchObject({ details: { cause: "quota", status: 429, failures: 2 } });
      expect(summary.stopError?.message).toMatch(/out of quota .*plan and billing/);
    });
  });

  it("never stops for item-specific failures, nor when stopAfterFailures is false", async () => {
    const { chain } = await chainAnswering((text) =>
      text.endsWith("0") || text.endsWith("5")
        ? undefined
        : { fail: 400, message: "maximum context length exceeded" },
    );
    const tooLong = await runBatch(chain, inputs, { concurrency: 4 });
    expect(tooLong).toMatchObject({ status: "done", done: 12, failed: 48 });

    const { chain: keyless } = await chainAnswering(() => ({ fail: 401 }));
    const never = await runBatch(keyless, inputs.slice(0, 12), { concurrency: 4, stopAfterFailures: false });
    expect(never).toMatchObject({ status: "done", failed: 12 });
    expect(never.stopError).toBeUndefined();
  });

  it("a success between the failures starts the count again", async () => {
    // Every fourth item answers: never 5 bad keys in a row.
    const { chain } = await chainAnswering((text) =>
      Number(text.split(" ")[1]) % 4 === 3 ? undefined : { fail: 401 },
    );
    const summary = await runBatch(chain, inputs.slice(0, 24), { concurrency: 1 });
    expect(summary).toMatchObject({ status: "done", done: 6, failed: 18 });
  });

  it("refuses a stopAfterFailures that is not a whole number >= 1 or false", async () => {
    const { chain } = await chainAnswering(() => undefined);
    for (const bad of [0, -1, 2.5, Number.NaN]) {
      await expect(runBatch(chain, inputs, { stopAfterFailures: bad })).rejects.toMatchObject({
        code: "BATCH_INPUT",
        message: expect.stringMatching(
          /stopAfterFailures must be a whole number >= 1, or false to never stop/,
        ),
      });
    }
  });
});
