import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ChatScript, type OpenAiTestServer, startOpenAiTestServer } from "@catena/testing";
import { ChatOpenAI } from "@langchain/openai";
import { afterEach, describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { defineChain } from "../compile/define-chain.ts";
import { cascade, map, sequence } from "../flows/flow-nodes.ts";
import { DiskResponseCache } from "../llm/response-cache.ts";
import { code } from "../steps/code-step.ts";
import { llm } from "../steps/llm-step.ts";
import type { RunEvent } from "./run-event.ts";
import { run } from "./runner.ts";
import { stream } from "./stream-run.ts";
import type { TokenEvent } from "./token-event.ts";

const MODEL = "openai:gpt-4.1-mini-2025-04-14";

let server: OpenAiTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(script: ChatScript): Promise<OpenAiTestServer> {
  server = await startOpenAiTestServer(script);
  return server;
}

const at = (url: string) => ({ baseURL: url, apiKey: "test-key", retry: { initialMs: 5 } });

function chatAt(url: string): ChatOpenAI {
  return new ChatOpenAI({
    model: "gpt-4.1-mini-2025-04-14",
    apiKey: "test-key",
    maxRetries: 0,
    configuration: { baseURL: url },
  });
}

describe("token streaming", () => {
  it("passes an llm step's tokens to onToken as the real ChatOpenAI streams them, usage kept", async () => {
    const s = await start([{ content: "Your order ships today." }]);
    const tokens: TokenEvent[] = [];
    const chain = defineChain({
      name: "answer",
      version: "1.0.0",
      input: z.object({ text: z.string() }),
      output: z.string(),
      flow: llm("reply", { model: chatAt(s.url), prompt: "Answer {text}" }),
    });
    const result = await run(chain, { text: "where is my order?" }, { onToken: (t) => tokens.push(t) });
    expect(result.status).toBe("done");
    expect(tokens.map((t) => t.text).join("")).toBe("Your order ships today.");
    expect(tokens.length).toBeGreaterThan(1);
    expect(tokens[0]).toMatchObject({ type: "token", step: "reply", path: ["reply"], runId: result.runId });
    expect(result.output).toBe("Your order ships today.");
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(s.chatRequests()[0]?.stream).toBe(true);
  });

  it("does not stream when nobody listens", async () => {
    const s = await start([{ content: "plain" }]);
    const chain = defineChain({
      name: "answer",
      version: "1.0.0",
      input: z.object({ text: z.string() }),
      output: z.string(),
      flow: llm("reply", { model: MODEL, prompt: "Answer {text}", ...at(s.url) }),
    });
    expect((await run(chain, { text: "x" })).status).toBe("done");
    expect(s.chatRequests()[0]?.stream).not.toBe(true);
  });

  it("stream() yields tokens with their step and item inside a map, code steps yield nothing, then the typed result", async () => {
    const s = await start((request) => {
      const last = request.messages[request.messages.length - 1];
      return { content: `summary of ${String(last?.content).replace("Summarise ", "")}` };
    });
    const chain = defineChain({
      name: "summaries",
      version: "1.0.0",
      input: z.object({ texts: z.array(z.string()) }),
      output: z.object({ count: z.number() }),
      flow: sequence(
        code("pick", (i: { texts: string[] }) => i.texts.map((text) => ({ text }))),
        map("each", {
          over: (items: { text: string }[]) => items,
          node: llm("summarise", { model: MODEL, prompt: "Summarise {text}", ...at(s.url) }),
          concurrency: 2,
        }),
        code("count", (all: string[]) => ({ count: all.length })),
      ),
    });
    const events: RunEvent<{ count: number }>[] = [];
    for await (const event of stream(chain, { texts: ["alpha", "beta"] })) events.push(event);
    const last = events[events.length - 1];
    expect(last?.type).toBe("result");
    if (last?.type !== "result" || last.result.status !== "done") throw new Error("no result");
    expectTypeOf(last.result.output).toEqualTypeOf<{ count: number }>();
    expect(last.result.output.count).toBe(2);
    const tokens = events.filter((e): e is TokenEvent => e.type === "token");
    expect(new Set(tokens.map((t) => t.step))).toEqual(new Set(["summarise"]));
    const byItem = (item: number) =>
      tokens
        .filter((t) => t.item === item)
        .map((t) => t.text)
        .join("");
    expect(byItem(0)).toBe("summary of alpha");
    expect(byItem(1)).toBe("summary of beta");
  });

  it("streams a structured tier's raw JSON inside a cascade and keeps its log-probability confidence", async () => {
    const answer = { json: { label: "refund" }, tokenLogprobs: { refund: Math.log(0.8) } };
    const s = await start([answer, answer]);
    const tier = llm("gpt", {
      model: MODEL,
      prompt: "Label {text}",
      labels: ["refund", "other"],
      ...at(s.url),
    });
    const chain = defineChain({
      name: "intent",
      version: "1.0.0",
      input: z.object({ text: z.string() }),
      output: z.unknown(),
      flow: cascade("intent", [tier]),
    });
    const tokens: TokenEvent[] = [];
    const streamed = await run(chain, { text: "money back" }, { onToken: (t) => tokens.push(t) });
    const quiet = await run(chain, { text: "money back" });
    expect(JSON.parse(tokens.map((t) => t.text).join(""))).toEqual({ label: "refund" });
    expect(tokens[0]).toMatchObject({ step: "gpt", path: ["intent", "gpt"], tier: "gpt" });
    expect(streamed.output).toEqual(quiet.output);
    expect(streamed.output).toMatchObject({ label: "refund", confidenceFrom: "logprobs" });
  });

  it("numbers the answers of a step: an answer repaired after failing its schema streams as call 2", async () => {
    const s = await start([{ json: { queue: 5 } }, { json: { queue: "shipping" } }]);
    const chain = defineChain({
      name: "route",
      version: "1.0.0",
      input: z.object({ text: z.string() }),
      output: z.object({ queue: z.string() }),
      flow: llm("route", {
        model: MODEL,
        prompt: "Route {text}",
        schema: z.object({ queue: z.string() }),
        ...at(s.url),
      }),
    });
    const tokens: TokenEvent[] = [];
    const result = await run(chain, { text: "where is my parcel" }, { onToken: (t) => tokens.push(t) });
    expect(result.output).toEqual({ queue: "shipping" });
    expect(s.chatRequests()).toHaveLength(2);
    // A listener that keeps only the latest call's text shows the answer that was used.
    const calls = [...new Set(tokens.map((t) => t.call))];
    expect(calls).toEqual([1, 2]);
    const textOf = (call: number) =>
      tokens
        .filter((t) => t.call === call)
        .map((t) => t.text)
        .join("");
    expect(JSON.parse(textOf(1))).toEqual({ queue: 5 });
    expect(JSON.parse(textOf(2))).toEqual({ queue: "shipping" });
    expect(tokens.every((t) => t.attempt === 1)).toBe(true);
  });

  it("stops the run when the consumer stops reading", async () => {
    const s = await start([{ content: "a b c d e f", delayMs: 0 }, { content: "second" }]);
    const chain = defineChain({
      name: "two",
      version: "1.0.0",
      input: z.object({ text: z.string() }),
      output: z.string(),
      flow: sequence(
        llm("first", { model: MODEL, prompt: "{text}", ...at(s.url) }),
        code("wrap", (t: string) => ({ text: t })),
        llm("second", { model: MODEL, prompt: "{text}", ...at(s.url) }),
      ),
    });
    for await (const event of stream(chain, { text: "go" })) {
      if (event.type === "token") break;
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(s.chatRequests()).toHaveLength(1);
  });

  it("sends a cached answer as one piece, without asking the model again", async () => {
    const s = await start([{ content: "from the model" }]);
    const directory = await mkdtemp(join(tmpdir(), "catena-stream-cache-"));
    try {
      const chain = defineChain({
        name: "cached",
        version: "1.0.0",
        input: z.object({ text: z.string() }),
        output: z.string(),
        flow: llm("reply", {
          model: MODEL,
          prompt: "{text}",
          cache: new DiskResponseCache(directory),
          ...at(s.url),
        }),
      });
      const first: string[] = [];
      const second: string[] = [];
      await run(chain, { text: "hi" }, { onToken: (t) => first.push(t.text) });
      await run(chain, { text: "hi" }, { onToken: (t) => second.push(t.text) });
      expect(first.join("")).toBe("from the model");
      expect(second).toEqual(["from the model"]);
      expect(s.chatRequests()).toHaveLength(1);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
