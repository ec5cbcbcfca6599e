/*
 * runBatch on a queue meets a bad API key on the workers: the submitter's stop on a systemic
 * provider failure is the local batch's (the same worker loop reads the queued items' errors), so
 * the batch stops after `stopAfterFailures` items instead of sending every item to fail, and a
 * resume after the fix runs the rest once. A real redis-server and an in-process worker.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChainRegistry, defineChain, llm, runBatch } from "@catena/core";
import { redisQueue, startWorker } from "@catena/queue";
import { startOpenAiTestServer } from "@catena/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { startRedis, type TestRedis } from "./support/redis.ts";

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
}, 900_000);
afterAll(async () => {
  await redis?.stop();
});

describe("runBatch on a queue whose workers' key is refused", () => {
  it("stops after 3 items fail with a 401, and a resume after the fix runs each item once", async () => {
    let keyFixed = false;
    const server = await startOpenAiTestServer(() =>
      keyFixed ? { json: { label: "billing" } } : { fail: 401, message: "Incorrect API key provided: t." },
    );
    const chain = defineChain({
      name: "routed",
      version: "1.0.0",
      input: z.object({ text: z.string() }),
      output: z.looseObject({ label: z.string() }),
      flow: llm("route", {
        model: "openai:gpt-4.1-mini-2025-04-14",
        prompt: "Route: {text}",
        labels: ["billing", "other"],
        baseURL: server.url,
        apiKey: "t",
        logprobs: false,
      }),
    });
    const dir = mkdtempSync(join(tmpdir(), "catena-queue-provider-stop-"));
    const worker = await startWorker({ url: redis.url, chains: new ChainRegistry([chain]), concurrency: 1 });
    try {
      const inputs = Array.from({ length: 30 }, (_, n) => ({ text: `refund ${n}` }));
      const options = {
        queue: redisQueue(redis.url, { attempts: 1 }),
        checkpoint: join(dir, "out.jsonl"),
        concurrency: 2,
      };
      const first = await runBatch(chain, inputs, { ...options, stopAfterFailures: 3 });
      expect(first).toMatchObject({ status: "stopped", done: 0 });
      expect(first.failed).toBeGreaterThanOrEqual(3);
      expect(first.failed).toBeLessThanOrEqual(4);
      expect(first.stopError).toMatchObject({
        code: "BATCH_STOPPED",
        details: { cause: "auth", status: 401 },
      });
      expect(server.requests.filter((r) => r.path === "/v1/chat/completions")).toHaveLength(first.failed);

      keyFixed = true;
      const rest = await runBatch(chain, inputs, { ...options, resume: true, retryFailed: true });
      expect(rest).toMatchObject({ status: "done", done: 30, failed: 0 });
      const records = readFileSync(options.checkpoint, "utf8")
        .trim()
        .split("\n")
        .slice(1)
        .map((line) => JSON.parse(line) as { index: number; status: string });
      expect(records).toHaveLength(30);
      expect(new Set(records.map((r) => r.index)).size).toBe(30);
    } finally {
      await worker.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
