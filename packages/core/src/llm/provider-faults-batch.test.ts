import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ScriptedReply } from "@catena/testing";
import { describe, expect, it } from "vitest";
import { runBatch } from "../batch/run-batch.ts";
import { faultStep } from "./fixtures/fault-matrix.ts";
import { testServers, textChain } from "./fixtures/provider-fixture.ts";

// The provider fault matrix, a batch: each faulty item fails with its own code and the others go
// on (see fixtures/fault-matrix.ts).

const start = testServers();

describe("the provider fault matrix: a batch", () => {
  it("fails the faulty items with their own codes, finishes the rest, and resumes them once the provider is back", async () => {
    const dir = await mkdtemp(join(tmpdir(), "catena-fault-matrix-"));
    try {
      let healthy = false;
      const faults: Record<string, ScriptedReply> = {
        "bad-key": { fail: 401 },
        "too-long": { fail: 400, message: "maximum context length exceeded" },
        overloaded: { fail: 503 },
        "wait-a-day": { fail: 429, retryAfter: "86400" },
        garbled: { malformed: true },
        lost: { content: "", usage: { completionTokens: 5 } },
        filtered: { content: "", finishReason: "content_filter" },
        reset: { disconnect: "mid-body" },
      };
      const s = await start((_request, info) =>
        !healthy && info.userText in faults
          ? (faults[info.userText] as ScriptedReply)
          : { content: `answer to ${info.userText}`, delayMs: 5 },
      );
      const chain = textChain("faults", faultStep(s.url));
      const inputs = [...Object.keys(faults), ...Array.from({ length: 12 }, (_, i) => `fine ${i}`)].map(
        (text) => ({ text }),
      );
      const checkpoint = join(dir, "results.jsonl");
      const first = await runBatch(chain, inputs, { checkpoint, concurrency: 4 });
      expect(first).toMatchObject({ status: "done", total: 20, done: 12, failed: 8 });
      const records = (await readFile(checkpoint, "utf8"))
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
      expect(records).toHaveLength(20);
      expect(new Set(records.map((r) => r.input.text)).size).toBe(20);
      const failed = Object.fromEntries(
        records
          .filter((r) => r.status === "error")
          .map((r) => [
            r.input.text,
            `${r.error?.cause?.code} ${r.error?.cause?.details.calls.at(-1)?.kind}`,
          ]),
      );
      expect(failed).toEqual({
        "bad-key": "PROVIDER_FAILED client",
        "too-long": "PROVIDER_FAILED client",
        overloaded: "PROVIDER_FAILED server",
        "wait-a-day": "PROVIDER_FAILED rate-limit",
        garbled: "PROVIDER_FAILED malformed-response",
        lost: "PROVIDER_FAILED empty-answer",
        filtered: "MODEL_REFUSED content-filter",
        reset: "PROVIDER_FAILED connection",
      });

      healthy = true;
      const again = await runBatch(chain, inputs, { checkpoint, resume: true, retryFailed: true });
      expect(again).toMatchObject({ done: 8, failed: 0, skipped: 12 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
