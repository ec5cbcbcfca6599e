import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { type HttpBindings, serve } from "@hono/node-server";
import { type Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { completionBody, completionChunks, resolveCompletion } from "./chat-completion.ts";
import { hashedEmbedding } from "./hashed-embedding.ts";
import { messageText } from "./message-text.ts";
import { RequestBucket } from "./request-bucket.ts";
import { seededRandom } from "./seeded-random.ts";
import type {
  ChatRequest,
  ChatScript,
  DisconnectReply,
  EmbeddingsRequest,
  FailureReply,
  HangReply,
  MalformedReply,
  ReceivedRequest,
  ScriptedReply,
  TestServerOptions,
} from "./server-script.ts";
import { splitTokens } from "./split-tokens.ts";

/** A running test server. */
export interface OpenAiTestServer {
  /** Base URL ending in `/v1`: give it to `ChatOpenAI`'s `configuration.baseURL` or `OPENAI_BASE_URL`. */
  readonly url: string;
  /** Every request received so far, in arrival order, with the status it was answered with. */
  readonly requests: ReceivedRequest[];
  /** Chat completion requests only (bodies), in arrival order. */
  chatRequests(): ChatRequest[];
  /** Stops listening and drops open connections (hung requests included). */
  close(): Promise<void>;
}

type Env = { Bindings: HttpBindings; Variables: { entry: ReceivedRequest } };
type Ctx = Context<Env>;

/**
 * Starts an OpenAI-compatible HTTP server on 127.0.0.1 (a free port) that answers from a script:
 * chat completions (plain, `response_format` json_schema, tool calls, streaming, log-probabilities,
 * usage), embeddings, and injected failures (429 with `Retry-After`, 500, slow answers, hangs,
 * malformed JSON, dropped connections before or during the body, streams cut off or ended by an SSE
 * `error` event, empty `choices`, refusals, `length`/`content_filter` finishes; the same HTTP faults on
 * embeddings through `embeddingsFaults`), plus an optional requests-per-minute limit. Point the real
 * `ChatOpenAI` / `OpenAIEmbeddings` at `url`.
 *
 * @example
 * const server = await startOpenAiTestServer([{ json: { label: "refund" } }, { fail: 429, retryAfterSeconds: 1 }]);
 * const model = new ChatOpenAI({ model: "gpt-4.1-mini-2025-04-14", apiKey: "test", maxRetries: 0,
 *   configuration: { baseURL: server.url } });
 * await server.close();
 */
export async function startOpenAiTestServer(
  script: ChatScript | TestServerOptions = {},
): Promise<OpenAiTestServer> {
  const options: TestServerOptions = isChatScript(script) ? { chat: script } : script;
  const requests: ReceivedRequest[] = [];
  const bucket = options.rateLimit ? new RequestBucket(options.rateLimit) : undefined;
  const random = options.chaos ? seededRandom(options.chaos.seed ?? 1) : undefined;
  let chatCount = 0;
  let embeddingsCount = 0;

  const app = new Hono<Env>();

  // Logs every request and applies the limits that hold for all endpoints: chaos, then the rate limit.
  app.use("/v1/*", async (c, next) => {
    const body: unknown = c.req.method === "POST" ? await c.req.json().catch(() => undefined) : undefined;
    const entry: ReceivedRequest = {
      index: requests.length,
      method: c.req.method,
      path: c.req.path,
      headers: Object.fromEntries(c.req.raw.headers),
      body,
      receivedAt: performance.now(),
    };
    requests.push(entry);
    c.set("entry", entry);
    if (c.req.method === "POST" && body === undefined) {
      return finish(entry, errorResponse(400, "The request body is not valid JSON."));
    }
    if (random && options.chaos && random() < options.chaos.probability) {
      const status = options.chaos.status ?? 429;
      entry.rejectedBy = "chaos";
      return finish(
        entry,
        failure({ fail: status, retryAfterSeconds: options.chaos.retryAfterSeconds ?? 1 }),
      );
    }
    const waitMs = bucket?.take() ?? 0;
    if (waitMs > 0) {
      entry.rejectedBy = "rate-limit";
      return finish(
        entry,
        failure({
          fail: 429,
          retryAfterMs: waitMs,
          retryAfterSeconds: Math.ceil(waitMs / 1000),
          message: `Rate limit reached: ${options.rateLimit?.requestsPerMinute} requests per minute. Please try again in ${waitMs}ms.`,
        }),
      );
    }
    await next();
    entry.status ??= c.res.status;
    return undefined;
  });

  app.post("/v1/chat/completions", async (c) => {
    const entry = c.get("entry");
    const request = entry.body as ChatRequest;
    const index = chatCount++;
    const reply = await nextReply(options.chat, request, index);
    if (reply === undefined) {
      return finish(
        entry,
        errorResponse(400, `openai test server: the script has no reply for chat request #${index}.`),
      );
    }
    return finish(entry, await answerChat(c, request, reply, `${index}`));
  });

  app.post("/v1/embeddings", async (c) => {
    const entry = c.get("entry");
    const request = entry.body as EmbeddingsRequest;
    const fault = await options.embeddingsFaults?.(request, { index: embeddingsCount++ });
    if (fault !== undefined) {
      return finish(entry, await answerFault(c, fault, { object: "list", model: request.model, data: [] }));
    }
    const texts = embeddingInputs(request.input);
    const dimension = request.dimensions ?? options.embeddingDimension ?? 64;
    const vectors = options.embeddings
      ? await options.embeddings(texts, request)
      : texts.map((t) => hashedEmbedding(t, dimension));
    const tokens = texts.reduce((n, t) => n + splitTokens(t).length, 0);
    return finish(
      entry,
      c.json({
        object: "list",
        model: request.model,
        data: vectors.map((v, index) => ({
          object: "embedding",
          index,
          embedding:
            request.encoding_format === "base64"
              ? Buffer.from(new Float32Array(v).buffer).toString("base64")
              : v,
        })),
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      }),
    );
  });

  app.get("/v1/models", (c) => c.json({ object: "list", data: [] }));
  app.notFound((c) => errorResponse(404, `openai test server: no route ${c.req.method} ${c.req.path}.`));

  const server = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: options.host ?? "127.0.0.1" });
  await new Promise<void>((resolve, reject) => {
    if (server.listening) resolve();
    server.once("listening", () => resolve());
    server.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;

  function finish(entry: ReceivedRequest, response: Response): Response {
    entry.status = response.status;
    return response;
  }

  return {
    url: `http://${(options.host ?? "127.0.0.1").includes(":") ? `[${options.host}]` : (options.host ?? "127.0.0.1")}:${port}/v1`,
    requests,
    chatRequests: () =>
      requests.filter((r) => r.path === "/v1/chat/completions").map((r) => r.body as ChatRequest),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      }),
  };
}

async function nextReply(
  script: ChatScript | undefined,
  request: ChatRequest,
  index: number,
): Promise<ScriptedReply | undefined> {
  if (script === undefined) return { content: "ok" };
  if (typeof script === "function") {
    const last = [...request.messages].reverse().find((m) => m.role === "user");
    return script(request, { index, userText: messageText(last?.content) });
  }
  return script[index];
}

async function answerChat(c: Ctx, request: ChatRequest, reply: ScriptedReply, id: string): Promise<Response> {
  if ("hang" in reply || "disconnect" in reply || "malformed" in reply || "fail" in reply) {
    return answerFault(c, reply, completionBody(resolveCompletion(request, {}, id)));
  }
  if (reply.delayMs !== undefined && reply.delayMs > 0) {
    await sleep(reply.delayMs, undefined, { signal: c.req.raw.signal }).catch(() => undefined);
  }
  const completion = resolveCompletion(request, reply, id);
  if (request.stream !== true) return c.json(completionBody(completion));
  const chunks = completionChunks(completion, request.stream_options?.include_usage === true);
  const { cutAfterChunks: cut, streamError, stallAfterChunks: stall } = reply;
  const signal = c.req.raw.signal;
  return streamSSE(c, async (stream) => {
    for (const [index, chunk] of chunks.entries()) {
      if (stall !== undefined && index >= stall) {
        // Silent from here on, the connection open, until the client gives up or the server closes.
        await new Promise<void>((resolve) => {
          if (signal.aborted) resolve();
          signal.addEventListener("abort", () => resolve(), { once: true });
          stream.onAbort(() => resolve());
        });
        return;
      }
      if (cut !== undefined && index >= cut) {
        // Dropped mid-answer: the client has read some chunks and then loses the connection.
        await sleep(20);
        c.env.incoming.socket.destroy();
        return;
      }
      if (streamError !== undefined && index >= streamError.afterChunks) {
        // The answer fails after its 200 headers: the error can only come as an event of the stream.
        const error = {
          message: streamError.message ?? "The server had an error while processing your request.",
          type: streamError.type ?? "server_error",
          param: null,
          code: null,
        };
        await stream.writeSSE({ event: "error", data: JSON.stringify({ error }) });
        return;
      }
      await stream.writeSSE({ data: JSON.stringify(chunk) });
    }
    await stream.writeSSE({ data: "[DONE]" });
  });
}

/** The answer to a request told to fail: a hang, a dropped connection, a broken body, an HTTP error. */
async function answerFault(
  c: Ctx,
  reply: FailureReply | HangReply | DisconnectReply | MalformedReply,
  body: Record<string, unknown>,
): Promise<Response> {
  const signal = c.req.raw.signal;
  if ("hang" in reply) {
    if (reply.hang === "mid-body") return stalledBody(signal, body);
    // Stays open until the client gives up or the server closes.
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
    return errorResponse(504, "openai test server: the client gave up waiting.");
  }
  if ("disconnect" in reply) {
    if (reply.disconnect === "mid-body") return cutBody(c, body);
    c.env.incoming.socket.destroy();
    return errorResponse(502, "openai test server: connection dropped.");
  }
  if ("malformed" in reply) {
    return new Response('{"id":"chatcmpl-broken","object":"chat.completion","choices":[{"index":0,', {
      status: 200,
      headers: { "content-type": "application/json" },
    });
  }
  if (reply.delayMs !== undefined && reply.delayMs > 0) {
    await sleep(reply.delayMs, undefined, { signal }).catch(() => undefined);
  }
  return failure(reply, c.req.raw);
}

/** A 200 answer that sends half of its body, then nothing more until the client gives up. */
function stalledBody(signal: AbortSignal, body: Record<string, unknown>): Response {
  const text = JSON.stringify(body);
  const half = new TextEncoder().encode(text.slice(0, Math.floor(text.length / 2)));
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(half);
      // Idle, the connection open: the client has the headers and some of the body, and waits.
      signal.addEventListener("abort", () => controller.close(), { once: true });
    },
  });
  return new Response(stream, { status: 200, headers: { "content-type": "application/json" } });
}

/** A 200 answer whose connection drops after half of the body has been sent. */
function cutBody(c: Ctx, body: Record<string, unknown>): Response {
  const text = JSON.stringify(body);
  const half = new TextEncoder().encode(text.slice(0, Math.floor(text.length / 2)));
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(half);
      // The client has the headers and some of the body when the socket goes.
      await sleep(20);
      c.env.incoming.socket.destroy();
    },
  });
  return new Response(stream, { status: 200, headers: { "content-type": "application/json" } });
}

function failure(reply: FailureReply, request?: Request): Response {
  const headers: Record<string, string> = {};
  if (reply.shouldRetry !== undefined) headers["x-should-retry"] = String(reply.shouldRetry);
  if (reply.retryAfterSeconds !== undefined) headers["retry-after"] = String(reply.retryAfterSeconds);
  if (reply.retryAfterMs !== undefined) headers["retry-after-ms"] = String(reply.retryAfterMs);
  if (reply.retryAfter !== undefined) headers["retry-after"] = reply.retryAfter;
  let message =
    reply.message ??
    (reply.fail === 429
      ? "Rate limit reached (injected by the test server)."
      : `Injected error ${reply.fail}.`);
  if (reply.echoRequest === true && request !== undefined) {
    // What a careless gateway says: the URL it was asked for and the credential it was given.
    message += ` (request ${request.method} ${request.url}, authorization: ${request.headers.get("authorization") ?? "none"})`;
  }
  return errorResponse(reply.fail, message, headers, reply.errorCode);
}

function errorResponse(
  status: number,
  message: string,
  headers: Record<string, string> = {},
  code?: string,
): Response {
  const type =
    code ??
    (status === 429 ? "rate_limit_exceeded" : status >= 500 ? "server_error" : "invalid_request_error");
  return new Response(JSON.stringify({ error: { message, type, param: null, code: type } }), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

function embeddingInputs(input: EmbeddingsRequest["input"]): string[] {
  if (typeof input === "string") return [input];
  // Token-id inputs have no text; their ids are joined so that equal inputs still embed equally.
  return (input as unknown[]).map((item) => (typeof item === "string" ? item : JSON.stringify(item)));
}

function isChatScript(value: ChatScript | TestServerOptions): value is ChatScript {
  return typeof value === "function" || Array.isArray(value);
}
