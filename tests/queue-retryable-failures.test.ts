/* A queue worker retries a failed item only when it may pass, as a retry() does (retryableByDefault). */
import { ChainRegistry, defineChain, llm, runBatch } from "@catena/core";
import { batchStatus, redisQueue, startWorker } from "@catena/queue";
import { type OpenAiTestServer, type ScriptedReply, startOpenAiTestServer } from "@catena/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { startRedis, type TestRedis } from "./support/redis.ts";

let redis: TestRedis;
let server: OpenAiTestServer;
const faults: Record<string, ScriptedReply> = {
  // Fail the same way however often they are asked: not run again.
  "bad-key": { fail: 401, message: "Incorrect API key provided: k." },
  "no-credit": { fail: 429, errorCode: "insufficient_quota", message: "You exceeded your current quota." },
  "cut-off": { content: "", finishReason: "length" },
  // May pass later: run again until the job's attempts are used up.
  overloaded: { fail: 503 },
};
beforeAll(async () => {
  redis = await startRedis();
  server = await startOpenAiTestServer((_request, info) => faults[info.userText] ?? { content: "fine" });
}, 900_000);
afterAll(async () => {
  await server?.close();
  await redis?.stop();
});

describe("a queue worker meeting a provider's failure", () => {
  it("runs again only the items whose failure may pass", async () => {
    const chain = defineChain({
      name: "ask",
      version: "1.0.0",
      input: z.object({ text: z.string() }),
      output: z.unknown(),
      flow: llm("ask", {
        model: "openai:gpt-4.1-mini-2025-04-14",
        prompt: "{text}",
        baseURL: server.url,
        apiKey: "k",
        cache: false,
        retry: { attempts: 1 },
      }),
    });
    const worker = await startWorker({ url: redis.url, chains: new ChainRegistry([chain]), concurrency: 4 });
    try {
      const inputs = [...Object.keys(faults), "fine"].map((text) => ({ text }));
      const summary = await runBatch(chain, inputs, {
        queue: redisQueue(redis.url, { attempts: 3, backoffMs: 10 }),
      });
      expect(summary).toMatchObject({ total: 5, done: 1, failed: 4 });
      const asked = (text: string) =>
        server.chatRequests().filter((r) => JSON.stringify(r.messages).includes(text)).length;
      expect(Object.fromEntries(Object.keys(faults).map((text) => [text, asked(text)]))).toEqual({
        "bad-key": 1,
        "no-credit": 1,
        "cut-off": 1,
        overloaded: 3,
      });
      const status = await batchStatus(redis.url, summary.batchId as string);
      expect(status.counts).toMatchObject({ done: 1, failed: 4, retries: 2 });
    } finally {
      await worker.close();
    }
  }, 60_000);
});
