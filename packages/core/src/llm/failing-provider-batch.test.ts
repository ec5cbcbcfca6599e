import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ScriptedReply } from "@catena/testing";
import { describe, expect, it } from "vitest";
import { runBatch } from "../batch/run-batch.ts";
import { chainOf, stepAt } from "./fixtures/failing-provider-step.ts";
import { testServers } from "./fixtures/provider-fixture.ts";

// A batch whose provider fails for some items: the others finish, each failed item is recorded
// with its error and the tokens it was billed, and a resume runs the failed ones again.

const start = testServers();

describe("a batch against a failing provider", () => {
  it("gives each item's tokens and cost in its result and its checkpoint line, and resumes a file written without them", async () => {
    const dir = await mkdtemp(join(tmpdir(), "catena-item-usage-"));
    try {
      const s = await start((_request, info) =>
        info.userText === "refused"
          ? { refusal: "No.", usage: { promptTokens: 20, completionTokens: 2 } }
          : { content: `answer to ${info.userText}`, usage: { promptTokens: 1000, completionTokens: 500 } },
      );
      const chain = chainOf(stepAt(s.url));
      const checkpoint = join(dir, "results.jsonl");
      const inputs = ["one", "refused", "two"].map((text) => ({ text }));
      const first = await runBatch(chain, inputs, { checkpoint, collect: true });
      // gpt-4.1-mini: $0.40 in, $1.60 out per million tokens.
      const answered = { inputTokens: 1000, outputTokens: 500, costUsd: 0.0004 + 0.0008 };
      const refused = { inputTokens: 20, outputTokens: 2, costUsd: 20 * 0.4e-6 + 2 * 1.6e-6 };
      const byText = (items: Array<{ input?: unknown; usage?: unknown }>) =>
        Object.fromEntries(items.map((r) => [(r.input as { text: string }).text, r.usage]));
      const close = (u: typeof answered) => ({ ...u, costUsd: expect.closeTo(u.costUsd, 12) });
      expect(byText(first.results ?? [])).toEqual({
        one: close(answered),
        refused: close(refused),
        two: close(answered),
      });
      const lines = (await readFile(checkpoint, "utf8")).trim().split("\n");
      const records = lines.slice(1).map((l) => JSON.parse(l) as { input: unknown; usage?: unknown });
      expect(byText(records)).toEqual({
        one: close(answered),
        refused: close(refused),
        two: close(answered),
      });

      // A file written before records carried usage resumes as before; the failed item runs again.
      const old = lines.map((l, i) => (i === 0 ? l : JSON.stringify({ ...JSON.parse(l), usage: undefined })));
      await writeFile(checkpoint, `${old.join("\n")}\n`);
      const again = await runBatch(chain, inputs, {
        checkpoint,
        resume: true,
        retryFailed: true,
        collect: true,
      });
      expect(again).toMatchObject({ done: 0, failed: 1, skipped: 2 });
      expect(again.results?.map((r) => r.usage)).toEqual([close(refused)]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("finishes the other items, records each failed one with its error, and re-runs them once the provider is back", async () => {
    const dir = await mkdtemp(join(tmpdir(), "catena-failing-provider-"));
    try {
      let healthy = false;
      const failures: Record<string, ScriptedReply> = {
        "bad-key": { fail: 401 },
        overloaded: { fail: 503 },
        hung: { hang: true },
        garbled: { malformed: true },
        refused: { refusal: "No." },
        empty: { content: "", noChoices: true },
      };
      const s = await start((_request, info) =>
        !healthy && info.userText in failures
          ? (failures[info.userText] as ScriptedReply)
          : { content: `answer to ${info.userText}`, usage: { promptTokens: 10, completionTokens: 2 } },
      );
      const chain = chainOf(stepAt(s.url, { callTimeoutMs: 1500, retry: { attempts: 2, initialMs: 5 } }));
      const inputs = [...Object.keys(failures), ...Array.from({ length: 10 }, (_, i) => `fine ${i}`)].map(
        (text) => ({ text }),
      );
      const checkpoint = join(dir, "results.jsonl");
      const first = await runBatch(chain, inputs, { checkpoint, concurrency: 4 });
      expect(first).toMatchObject({ status: "done", total: 16, done: 10, failed: 6 });
      // Ten answers of 10 + 2 tokens, the billed refusal ("No." is 2 tokens) and two empty answers (8 in each).
      expect(first.usage).toMatchObject({ inputTokens: 100 + 8 + 16, outputTokens: 20 + 2 });
      const lines = (await readFile(checkpoint, "utf8"))
        .trim()
        .split("\n")
        .slice(1)
        .map(
          (l) =>
            JSON.parse(l) as {
              input: { text: string };
              status: string;
              error?: { cause?: { code: string; details: { calls: Array<{ kind: string }> } } };
            },
        );
      const failed = Object.fromEntries(
        lines.filter((l) => l.status === "error").map((l) => [l.input.text, l.error?.cause]),
      );
      expect(Object.keys(failed).sort()).toEqual(Object.keys(failures).sort());
      expect(failed["bad-key"]?.details.calls.map((c) => c.kind)).toEqual(["client"]);
      expect(failed.overloaded?.details.calls.map((c) => c.kind)).toEqual(["server", "server"]);
      expect(failed.hung?.details.calls.map((c) => c.kind)).toEqual(["timeout", "timeout"]);
      expect(failed.garbled?.details.calls.map((c) => c.kind)).toEqual([
        "malformed-response",
        "malformed-response",
      ]);
      expect(failed.refused?.code).toBe("MODEL_REFUSED");
      expect(failed.empty?.details.calls.map((c) => c.kind)).toEqual(["empty-answer", "empty-answer"]);

      healthy = true;
      const again = await runBatch(chain, inputs, { checkpoint, resume: true, retryFailed: true });
      expect(again).toMatchObject({ done: 6, failed: 0, skipped: 10 });
      expect(again.usage).toMatchObject({ inputTokens: 60, outputTokens: 12 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
