import { ChatOpenAI, OpenAIEmbeddings } from "@langchain/openai";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { type OpenAiTestServer, startOpenAiTestServer } from "./openai-test-server.ts";
import type { ChatScript, TestServerOptions } from "./server-script.ts";

let server: OpenAiTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(script: ChatScript | TestServerOptions): Promise<OpenAiTestServer> {
  server = await startOpenAiTestServer(script);
  return server;
}

/** Usage figures of a message (LangChain's generic message types lose their field types). */
function usage(message: { usage_metadata?: unknown }): { input_tokens?: number; output_tokens?: number } {
  return (message.usage_metadata ?? {}) as { input_tokens?: number; output_tokens?: number };
}

function chat(url: string, fields: Record<string, unknown> = {}): ChatOpenAI {
  return new ChatOpenAI({
    model: "gpt-4.1-mini-2025-04-14",
    apiKey: "test-key",
    maxRetries: 0,
    configuration: { baseURL: url },
    ...fields,
  });
}

describe("startOpenAiTestServer", () => {
  it("answers chat completions in script order, with usage, on 127.0.0.1", async () => {
    const s = await start([{ content: "first" }, { content: "second", usage: { promptTokens: 7 } }]);
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const model = chat(s.url);
    const a = await model.invoke("hello");
    const b = await model.invoke("again");
    expect([a.content, b.content]).toEqual(["first", "second"]);
    expect(usage(a).output_tokens).toBe(1);
    expect(usage(b).input_tokens).toBe(7);
    expect(s.chatRequests().map((r) => r.messages.at(-1)?.content)).toEqual(["hello", "again"]);
    expect(s.requests.map((r) => r.status)).toEqual([200, 200]);
  });

  it("says which request the script has no reply for", async () => {
    const s = await start([{ content: "only one" }]);
    const model = chat(s.url);
    await model.invoke("one");
    await expect(model.invoke("two")).rejects.toThrow(/no reply for chat request #1/);
  });

  it("answers from a function of the request", async () => {
    const s = await start((request, info) => ({
      content: `${info.index}:${info.userText}:${request.model}`,
    }));
    const answer = await chat(s.url).invoke([
      ["system", "be brief"],
      ["human", "ping"],
    ]);
    expect(answer.content).toBe("0:ping:gpt-4.1-mini-2025-04-14");
  });

  it("serves withStructuredOutput through response_format json_schema and through tool calls", async () => {
    const s = await start(() => ({ json: { label: "refund", reason: "asks for money back" } }));
    const schema = z.object({ label: z.enum(["refund", "other"]), reason: z.string() });
    const viaJsonSchema = await chat(s.url).withStructuredOutput(schema).invoke("I want my money back");
    const viaTools = await chat(s.url)
      .withStructuredOutput(schema, { method: "functionCalling" })
      .invoke("I want my money back");
    expect(viaJsonSchema).toEqual({ label: "refund", reason: "asks for money back" });
    expect(viaTools).toEqual(viaJsonSchema);
    const [first, second] = s.chatRequests();
    expect(first?.response_format?.type).toBe("json_schema");
    expect(second?.tool_choice).toMatchObject({ type: "function" });
  });

  it("streams answers as server-sent events, usage last", async () => {
    const s = await start([{ content: "one two three" }]);
    const pieces: string[] = [];
    let outputTokens = 0;
    for await (const chunk of await chat(s.url, { streamUsage: true }).stream("count")) {
      pieces.push(String(chunk.content));
      outputTokens += usage(chunk).output_tokens ?? 0;
    }
    expect(pieces.join("")).toBe("one two three");
    expect(pieces.filter((p) => p !== "").length).toBe(3);
    expect(outputTokens).toBe(3);
    expect(s.chatRequests()[0]?.stream).toBe(true);
  });

  it("cuts a streamed answer off after some chunks, dropping the connection", async () => {
    const s = await start([
      { content: "one two three four", cutAfterChunks: 2 },
      { content: "whole", cutAfterChunks: 1 },
    ]);
    const pieces: string[] = [];
    const read = async () => {
      for await (const chunk of await chat(s.url).stream("count")) pieces.push(String(chunk.content));
    };
    await expect(read()).rejects.toThrow(/terminated|aborted|connection|socket/i);
    expect(pieces.join("")).not.toBe("");
    expect(pieces.join("")).not.toBe("one two three four");
    // Unstreamed, the same reply comes whole.
    expect((await chat(s.url).invoke("again")).content).toBe("whole");
  });

  it("sends token log-probabilities when asked", async () => {
    const s = await start([{ json: { label: "refund" }, tokenLogprobs: { refund: Math.log(0.8) } }]);
    const answer = await chat(s.url, { logprobs: true, topLogprobs: 2 }).invoke("classify");
    const tokens = (
      answer.response_metadata.logprobs as { content: Array<{ token: string; logprob: number }> }
    ).content;
    expect(tokens.map((t) => t.token).join("")).toBe('{"label":"refund"}');
    expect(tokens.find((t) => t.token === "refund")?.logprob).toBeCloseTo(Math.log(0.8));
    expect(s.chatRequests()[0]?.logprobs).toBe(true);
  });

  it("serves embeddings, as floats and as base64, the same for the same text", async () => {
    const s = await start({ embeddingDimension: 32 });
    const embeddings = new OpenAIEmbeddings({
      model: "text-embedding-3-small",
      apiKey: "test-key",
      maxRetries: 0,
      configuration: { baseURL: s.url },
    });
    const [a, b, c] = await embeddings.embedDocuments(["refund my order", "refund my order", "weather"]);
    expect(a).toHaveLength(32);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const query = await embeddings.embedQuery("refund my order");
    expect(query.map((v) => v.toFixed(5))).toEqual(a?.map((v) => v.toFixed(5)));
  });

  it("injects 429 with Retry-After, 500, malformed JSON and dropped connections", async () => {
    const s = await start([
      { fail: 429, retryAfterSeconds: 2 },
      { fail: 500 },
      { malformed: true },
      { disconnect: true },
    ]);
    const model = chat(s.url);
    const limited = await model.invoke("a").catch((e: unknown) => e);
    expect(limited).toMatchObject({ status: 429 });
    expect((limited as { headers: Headers }).headers.get("retry-after")).toBe("2");
    await expect(model.invoke("b")).rejects.toMatchObject({ status: 500 });
    await expect(model.invoke("c")).rejects.toThrow();
    await expect(model.invoke("d")).rejects.toThrow(/connection/i);
    expect(s.requests.map((r) => r.status)).toEqual([429, 500, 200, 502]);
  });

  it("sends Retry-After as written, an error type of the script's, and faults on embeddings", async () => {
    const s = await start({
      chat: [
        { fail: 429, retryAfter: "Wed, 21 Oct 2099 07:28:00 GMT" },
        { fail: 429, errorCode: "insufficient_quota", message: "You exceeded your current quota." },
      ],
      embeddingsFaults: (_request, { index }) => (index === 0 ? { fail: 503 } : undefined),
    });
    const model = chat(s.url);
    const dated = await model.invoke("a").catch((e: unknown) => e);
    expect((dated as { headers: Headers }).headers.get("retry-after")).toBe("Wed, 21 Oct 2099 07:28:00 GMT");
    await expect(model.invoke("b")).rejects.toMatchObject({ status: 429, code: "insufficient_quota" });
    const embeddings = new OpenAIEmbeddings({
      model: "text-embedding-3-small",
      apiKey: "k",
      maxRetries: 0,
      configuration: { baseURL: s.url },
    });
    await expect(embeddings.embedQuery("x")).rejects.toMatchObject({ status: 503 });
    expect(await embeddings.embedQuery("x")).toHaveLength(64);
  });

  it("ends a stream with an SSE error event, or stalls it until the client gives up", async () => {
    const s = await start([
      { content: "one two three", streamError: { afterChunks: 2, type: "server_error" } },
      { content: "one two three", stallAfterChunks: 2 },
    ]);
    const model = chat(s.url, { streaming: true });
    await expect(model.invoke("a")).rejects.toThrow(/The server had an error/);
    const started = performance.now();
    await expect(model.invoke("b", { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });

  it("drops the connection mid-body, and answers with no choices, a refusal or a finish reason", async () => {
    const s = await start([
      { disconnect: "mid-body" },
      { content: "x", noChoices: true, usage: { promptTokens: 9 } },
      { refusal: "I can't help with that." },
      { content: "cut", finishReason: "length" },
    ]);
    await expect(chat(s.url).invoke("a")).rejects.toThrow(/terminated/);
    expect(s.requests[0]?.status).toBe(200);
    // Raw bodies: LangChain turns no choices into an error of its own and drops the refusal.
    const post = async (): Promise<Record<string, unknown>> => {
      const response = await fetch(`${s.url}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
      });
      return (await response.json()) as Record<string, unknown>;
    };
    expect(await post()).toMatchObject({ choices: [], usage: { prompt_tokens: 9 } });
    expect(await post()).toMatchObject({
      choices: [{ message: { content: null, refusal: "I can't help with that." }, finish_reason: "stop" }],
    });
    const cut = await chat(s.url).invoke("d");
    expect(cut.response_metadata.finish_reason).toBe("length");
  });

  it("streams a refusal and an answer with no choices, usage last", async () => {
    const s = await start([{ refusal: "No." }, { content: "x", noChoices: true }]);
    const streamed = async (text: string): Promise<{ content: string; outputTokens: number }> => {
      let content = "";
      let outputTokens = 0;
      for await (const chunk of await chat(s.url, { streamUsage: true }).stream(text)) {
        content += String(chunk.content);
        outputTokens += usage(chunk).output_tokens ?? 0;
      }
      return { content, outputTokens };
    };
    expect(await streamed("a")).toEqual({ content: "", outputTokens: 2 });
    expect(await streamed("b")).toEqual({ content: "", outputTokens: 1 });
    expect(s.requests.map((r) => r.status)).toEqual([200, 200]);
  });

  it("answers slowly, or never until the client gives up", async () => {
    const s = await start([{ content: "late", delayMs: 300 }, { hang: true }]);
    const t0 = performance.now();
    expect((await chat(s.url).invoke("slow")).content).toBe("late");
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    // The server never answers, so only the client's own timeout can end this call.
    await expect(chat(s.url, { timeout: 200 }).invoke("hang")).rejects.toThrow(/timed out|timeout/i);
  });

  it("stalls mid-body: sends the status, the headers and part of the answer, then nothing", async () => {
    const s = await start([{ hang: "mid-body" }]);
    const controller = new AbortController();
    const response = await fetch(`${s.url}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toMatch(/^\{"id":"chatcmpl-/);
    // Nothing more comes while the connection stays open.
    const more = await Promise.race([reader.read(), new Promise((r) => setTimeout(() => r("idle"), 200))]);
    expect(more).toBe("idle");
    controller.abort();
  });

  it("holds a requests-per-minute limit, answering 429 with Retry-After beyond it", async () => {
    const s = await start({ rateLimit: { requestsPerMinute: 60, burst: 2 } });
    const model = chat(s.url);
    await model.invoke("1");
    await model.invoke("2");
    const limited = await model.invoke("3").catch((e: unknown) => e);
    expect(limited).toMatchObject({ status: 429 });
    const headers = (limited as { headers: Headers }).headers;
    expect(Number(headers.get("retry-after-ms"))).toBeGreaterThan(900);
    expect(headers.get("retry-after")).toBe("1");
  });

  it("injects random failures reproducibly", async () => {
    const statuses = async (): Promise<number[]> => {
      const s = await startOpenAiTestServer({ chaos: { probability: 0.3, seed: 7 } });
      const model = chat(s.url);
      for (let i = 0; i < 20; i++) await model.invoke(String(i)).catch(() => undefined);
      await s.close();
      return s.requests.map((r) => r.status ?? 0);
    };
    const first = await statuses();
    expect(first.filter((x) => x === 429).length).toBeGreaterThan(0);
    expect(first.filter((x) => x === 200).length).toBeGreaterThan(0);
    expect(await statuses()).toEqual(first);
  });
});
