import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EmbeddingsFault, ScriptedReply } from "@catena/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { runBatch } from "../batch/run-batch.ts";
import { CatenaError } from "../errors/catena-error.ts";
import { openAiEmbedder } from "../langchain/openai-embedder.ts";
import { VectorIndex } from "../ml/vector-index.ts";
import { run } from "../runtime/runner.ts";
import { knn } from "../steps/knn-step.ts";
import { llm } from "../steps/llm-step.ts";
import type { SpanInfo, SpanOutcome, Tracer, TraceSpan } from "../types.ts";
import { testServers, textChain } from "./fixtures/provider-fixture.ts";

// The fault matrix: every way an OpenAI-compatible provider fails that a chain meets, through the
// real ChatOpenAI / OpenAIEmbeddings over HTTP against the local test server. Each ends in a typed
// error (a code, the model, the status, what to do), is retried only when that can help, and is
// traced as an error run; in a batch, the item fails and the others go on.

const MODEL = "openai:gpt-4.1-mini-2025-04-14";
const ATTEMPTS = 2;
const start = testServers();

/** Every span of a run, with how it ended. */
function recordingTracer(): { tracer: Tracer; spans: Array<SpanInfo & { outcome?: SpanOutcome }> } {
  const spans: Array<SpanInfo & { outcome?: SpanOutcome }> = [];
  const span = (info: SpanInfo): TraceSpan => {
    const record: (typeof spans)[number] = { ...info };
    spans.push(record);
    return {
      active: true,
      child: span,
      end: (outcome) => {
        record.outcome = outcome;
      },
    };
  };
  return { tracer: { startRun: span }, spans };
}

const label = z.object({ label: z.string() });

interface Case {
  name: string;
  /** The reply, made when the request comes (a Retry-After date is relative to then). */
  reply: () => ScriptedReply;
  /** Step options beside the defaults: a schema, a structured-output method. */
  step?: Record<string, unknown>;
  stream?: boolean;
  code: "PROVIDER_FAILED" | "MODEL_REFUSED" | "MODEL_OUTPUT_INVALID";
  /** The last call's kind (absent for MODEL_OUTPUT_INVALID, which lists issues, not calls). */
  kind?: string;
  /** Requests the provider received: every attempt when retrying can help, one when it cannot. */
  requests: number;
  /** Whether a retry() around the step would ask again (`details.retryable` of PROVIDER_FAILED). */
  retryable?: boolean;
  message: RegExp;
}

const inHttpDate = (ms: number) => new Date(Date.now() + ms).toUTCString();
const status = (code: number, kind: string, retried: boolean, fix: RegExp, message?: string): Case => ({
  name: `HTTP ${code}${message === undefined ? "" : ` (${message.slice(0, 30)}…)`}`,
  reply: () => ({ fail: code, ...(message === undefined ? {} : { message }) }),
  code: "PROVIDER_FAILED",
  kind,
  requests: retried ? ATTEMPTS : 1,
  retryable: retried,
  message: new RegExp(`\\(${MODEL}\\); last: ${code} .*${fix.source}`),
});
const KEY = /Check the provider's API key \(OPENAI_API_KEY for OpenAI\)/;
const REQUEST = /The provider refused the request itself .*retrying does not help\./;
const STATUS = /Check the provider's status, raise `retry\.attempts`, or add `fallbacks`\./;

const cases: Case[] = [
  status(
    400,
    "client",
    false,
    REQUEST,
    "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
  ),
  status(401, "client", false, KEY, "Incorrect API key provided: k."),
  status(403, "client", false, KEY, "Project does not have access to model gpt-4.1-mini."),
  status(404, "client", false, REQUEST, "The model `gpt-4.1-mini-2025-04-14` does not exist."),
  status(408, "timeout", true, STATUS),
  status(409, "server", true, STATUS),
  status(413, "client", false, REQUEST, "Request too large for gpt-4.1-mini."),
  status(422, "client", false, REQUEST),
  status(429, "rate-limit", true, STATUS),
  status(500, "server", true, STATUS),
  status(502, "server", true, STATUS),
  status(503, "server", true, STATUS),
  status(504, "server", true, STATUS),
  {
    name: "429 insufficient_quota (an account out of credit)",
    reply: () => ({
      fail: 429,
      errorCode: "insufficient_quota",
      message: "You exceeded your current quota, please check your plan and billing details.",
    }),
    code: "PROVIDER_FAILED",
    kind: "quota",
    requests: 1,
    retryable: false,
    message:
      /last: 429 You exceeded your current quota.*\. The provider's account has run out of quota \(insufficient_quota\): check its plan and billing/,
  },
  {
    name: "429 with Retry-After: 0 (seconds)",
    reply: () => ({ fail: 429, retryAfter: "0" }),
    code: "PROVIDER_FAILED",
    kind: "rate-limit",
    requests: ATTEMPTS,
    retryable: true,
    message: /last: 429 /,
  },
  {
    name: "429 with Retry-After as an HTTP date past maxRetryAfterMs",
    reply: () => ({ fail: 429, retryAfter: inHttpDate(5000) }),
    code: "PROVIDER_FAILED",
    kind: "rate-limit",
    requests: 1,
    retryable: false,
    message: /asked to wait [3-5] s, longer than `retry\.maxRetryAfterMs` \(1 s\): raise it/,
  },
  {
    name: "429 with Retry-After as an HTTP date already past",
    reply: () => ({ fail: 429, retryAfter: "Thu, 01 Jan 1970 00:00:00 GMT" }),
    code: "PROVIDER_FAILED",
    kind: "rate-limit",
    requests: ATTEMPTS,
    retryable: true,
    message: /last: 429 /,
  },
  {
    name: "429 with a day's Retry-After",
    reply: () => ({ fail: 429, retryAfter: "86400" }),
    code: "PROVIDER_FAILED",
    kind: "rate-limit",
    requests: 1,
    retryable: false,
    message: /asked to wait 24 h, longer than/,
  },
  {
    name: "429 with an absurd Retry-After",
    reply: () => ({ fail: 429, retryAfter: "99999999999999999999" }),
    code: "PROVIDER_FAILED",
    kind: "rate-limit",
    requests: 1,
    retryable: false,
    message: /asked to wait more than a year, longer than/,
  },
  {
    name: "429 with a garbled Retry-After (backoff instead)",
    reply: () => ({ fail: 429, retryAfter: "soon" }),
    code: "PROVIDER_FAILED",
    kind: "rate-limit",
    requests: ATTEMPTS,
    retryable: true,
    message: /last: 429 /,
  },
  {
    name: "200 whose body is not JSON",
    reply: () => ({ malformed: true }),
    code: "PROVIDER_FAILED",
    kind: "malformed-response",
    requests: ATTEMPTS,
    retryable: true,
    message: /last: the provider's answer is not valid JSON/,
  },
  {
    name: "200 whose body is cut off (connection reset mid-body)",
    reply: () => ({ disconnect: "mid-body" }),
    code: "PROVIDER_FAILED",
    kind: "connection",
    requests: ATTEMPTS,
    retryable: true,
    message: /last: the connection closed while the answer was being read/,
  },
  {
    name: "connection reset before the headers",
    reply: () => ({ disconnect: true }),
    code: "PROVIDER_FAILED",
    kind: "connection",
    requests: ATTEMPTS,
    retryable: true,
    message: /last: Connection error\. Check the provider's status/,
  },
  {
    name: "a server that accepts and never answers",
    reply: () => ({ hang: true }),
    step: { callTimeoutMs: 200 },
    code: "PROVIDER_FAILED",
    kind: "timeout",
    requests: ATTEMPTS,
    retryable: true,
    message: /last: no answer within 200 ms\. Check the provider's status/,
  },
  {
    name: "200 with no choices",
    reply: () => ({ content: "x", noChoices: true }),
    code: "PROVIDER_FAILED",
    kind: "empty-answer",
    requests: ATTEMPTS,
    retryable: true,
    message: /no choices/,
  },
  {
    name: "200 with empty content",
    reply: () => ({ content: "" }),
    code: "PROVIDER_FAILED",
    kind: "empty-answer",
    requests: ATTEMPTS,
    retryable: true,
    message:
      /last: the model answered with empty content \(finish_reason stop\)\. Check the provider's status/,
  },
  {
    name: "200 with empty content, streamed",
    reply: () => ({ content: "" }),
    stream: true,
    code: "PROVIDER_FAILED",
    kind: "empty-answer",
    requests: ATTEMPTS,
    retryable: true,
    message: /empty content/,
  },
  {
    name: 'finish_reason "length" before any text',
    reply: () => ({ content: "", finishReason: "length" }),
    code: "PROVIDER_FAILED",
    kind: "empty-answer",
    requests: 1,
    retryable: false,
    message: /cut off by the token limit before any text .*Raise the step's `maxTokens`/,
  },
  {
    name: 'finish_reason "length" in structured output',
    reply: () => ({ content: '{"label": "ref', finishReason: "length" }),
    step: { schema: label, repairs: 0 },
    code: "MODEL_OUTPUT_INVALID",
    requests: 1,
    message: /cut off by the token limit before the JSON was complete/,
  },
  {
    name: 'finish_reason "content_filter"',
    reply: () => ({ content: "", finishReason: "content_filter" }),
    code: "MODEL_REFUSED",
    kind: "content-filter",
    requests: 1,
    retryable: false,
    message: /did not answer: the provider's content filter stopped the answer/,
  },
  {
    name: "a refusal",
    reply: () => ({ refusal: "I can't help with that." }),
    step: { schema: label },
    code: "MODEL_REFUSED",
    kind: "refusal",
    requests: 1,
    retryable: false,
    message: /gpt-4\.1-mini-2025-04-14 did not answer: the model refused: "I can't help with that\."/,
  },
  {
    name: "structured output that is not JSON",
    reply: () => ({ content: "it is a refund" }),
    step: { schema: label, repairs: 0 },
    code: "MODEL_OUTPUT_INVALID",
    requests: 1,
    message:
      /the answer of openai:gpt-4\.1-mini-2025-04-14 does not match the output schema: the answer was not valid JSON/,
  },
  {
    name: "structured output that does not match the schema",
    reply: () => ({ json: { labels: ["refund"] } }),
    step: { schema: label, repairs: 0 },
    code: "MODEL_OUTPUT_INVALID",
    requests: 1,
    message: /does not match the output schema: label: /,
  },
  {
    name: "a tool call whose arguments do not parse",
    reply: () => ({ toolCalls: [{ name: "ask_answer", arguments: '{"label": ' }] }),
    step: { schema: label, repairs: 0, structuredMethod: "functionCalling" },
    code: "MODEL_OUTPUT_INVALID",
    requests: 1,
    message: /does not match the output schema: the answer is not valid JSON/,
  },
  {
    name: "a tool call that does not match the schema",
    reply: () => ({ json: { label: 7 } }),
    step: { schema: label, repairs: 0, structuredMethod: "functionCalling" },
    code: "MODEL_OUTPUT_INVALID",
    requests: 1,
    message: /does not match the output schema: label: /,
  },
  {
    name: "a stream cut mid-answer",
    reply: () => ({ content: "alpha beta gamma delta", cutAfterChunks: 3 }),
    stream: true,
    code: "PROVIDER_FAILED",
    kind: "connection",
    requests: ATTEMPTS,
    retryable: true,
    message: /terminated/,
  },
  {
    name: "a stream that stalls mid-answer",
    reply: () => ({ content: "alpha beta gamma delta", stallAfterChunks: 2 }),
    step: { callTimeoutMs: 200 },
    stream: true,
    code: "PROVIDER_FAILED",
    kind: "timeout",
    requests: ATTEMPTS,
    retryable: true,
    message: /last: no answer within 200 ms\. Check the provider's status/,
  },
  {
    name: "an SSE error event (server_error)",
    reply: () => ({ content: "alpha beta gamma", streamError: { afterChunks: 2 } }),
    stream: true,
    code: "PROVIDER_FAILED",
    kind: "server",
    requests: ATTEMPTS,
    retryable: true,
    message:
      /last: The server had an error while processing your request \(an error event in the streamed answer, type server_error\)\. Check the provider's status/,
  },
  {
    name: "an SSE error event (rate_limit_exceeded)",
    reply: () => ({
      content: "alpha",
      streamError: { afterChunks: 0, type: "rate_limit_exceeded", message: "Rate limit reached." },
    }),
    stream: true,
    code: "PROVIDER_FAILED",
    kind: "rate-limit",
    requests: ATTEMPTS,
    retryable: true,
    message: /type rate_limit_exceeded/,
  },
  {
    name: "an SSE error event (invalid_request_error)",
    reply: () => ({
      content: "alpha",
      streamError: { afterChunks: 1, type: "invalid_request_error", message: "Invalid 'messages'." },
    }),
    stream: true,
    code: "PROVIDER_FAILED",
    kind: "client",
    requests: 1,
    retryable: false,
    message: /type invalid_request_error\)\. The provider refused the request itself/,
  },
];

describe("the provider fault matrix: an llm step", () => {
  it.each(cases)("$name: $code after $requests request(s)", async (c) => {
    const s = await start(() => c.reply());
    const step = llm("ask", {
      model: MODEL,
      prompt: "{text}",
      baseURL: s.url,
      apiKey: "k",
      cache: false,
      callTimeoutMs: 5000,
      retry: { attempts: ATTEMPTS, initialMs: 5, maxRetryAfterMs: 1000 },
      ...c.step,
    });
    const { tracer, spans } = recordingTracer();
    const result = await run(
      textChain("faults", step),
      { text: "x" },
      {
        tracer,
        ...(c.stream ? { onToken: () => {} } : {}),
      },
    );
    expect(result.status).toBe("error");
    if (result.status !== "error") return;
    expect(result.error.code).toBe("STEP_FAILED");
    const cause = result.error.cause;
    expect(CatenaError.isInstance(cause)).toBe(true);
    if (!CatenaError.isInstance(cause)) return;
    expect(cause.code).toBe(c.code);
    expect(cause.message).toMatch(/^llm step "ask": /);
    expect(cause.message).toMatch(c.message);
    expect(cause.message).not.toMatch(/Troubleshooting URL|\n/);
    expect(s.chatRequests()).toHaveLength(c.requests);
    if (c.kind !== undefined) {
      const calls = cause.details.calls as Array<{ kind: string; model: string }>;
      expect(calls.at(-1)).toMatchObject({ kind: c.kind, model: MODEL });
      // A refusal is never asked again by a retry() (MODEL_REFUSED is not retryable by its code).
      if (c.code === "PROVIDER_FAILED") expect(cause.details.retryable).toBe(c.retryable);
    }
    // Traced as an error: the chain's run and the step's run both end with the error.
    expect(spans[0]?.outcome?.error).toBeDefined();
    expect(spans.find((span) => span.name === "ask")?.outcome?.error).toBeDefined();
  });
});

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
        empty: { content: "" },
        filtered: { content: "", finishReason: "content_filter" },
        reset: { disconnect: "mid-body" },
      };
      const s = await start((_request, info) =>
        !healthy && info.userText in faults
          ? (faults[info.userText] as ScriptedReply)
          : { content: `answer to ${info.userText}`, delayMs: 5 },
      );
      const step = llm("ask", {
        model: MODEL,
        prompt: "{text}",
        baseURL: s.url,
        apiKey: "k",
        cache: false,
        retry: { attempts: ATTEMPTS, initialMs: 5, maxRetryAfterMs: 1000 },
      });
      const chain = textChain("faults", step);
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
        empty: "PROVIDER_FAILED empty-answer",
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

describe("the provider fault matrix: embeddings of a knn step", () => {
  const embedFaults: Array<{
    name: string;
    fault: EmbeddingsFault;
    kind: string;
    requests: number;
    message: RegExp;
  }> = [
    {
      name: "401",
      fault: { fail: 401, message: "Incorrect API key provided: k." },
      kind: "client",
      requests: 1,
      message: /last: 401 Incorrect API key provided: k\. Check the provider's API key/,
    },
    {
      name: "400 (input too long)",
      fault: { fail: 400, message: "This model's maximum context length is 8192 tokens." },
      kind: "client",
      requests: 1,
      message: /last: 400 .* fix the embedder's model or shorten the texts; retrying does not help\./,
    },
    {
      name: "404",
      fault: { fail: 404 },
      kind: "client",
      requests: 1,
      message: /last: 404 /,
    },
    {
      name: "429 with a day's Retry-After",
      fault: { fail: 429, retryAfter: "86400" },
      kind: "rate-limit",
      requests: 1,
      message:
        /asked to wait 24 h, longer than `retry\.maxRetryAfterMs` \(1 s\): raise it, or lower the embedder's/,
    },
    {
      name: "503",
      fault: { fail: 503 },
      kind: "server",
      requests: ATTEMPTS,
      message: /last: 503 Injected error 503\. Check the provider's status, or raise `retry\.attempts`\./,
    },
    {
      name: "a body that is not JSON",
      fault: { malformed: true },
      kind: "malformed-response",
      requests: ATTEMPTS,
      message: /not valid JSON/,
    },
    {
      name: "a reset mid-body",
      fault: { disconnect: "mid-body" },
      kind: "connection",
      requests: ATTEMPTS,
      message: /connection closed while the answer was being read/,
    },
    {
      name: "a reset before the headers",
      fault: { disconnect: true },
      kind: "connection",
      requests: ATTEMPTS,
      message: /Connection error/,
    },
    {
      name: "no answer",
      fault: { hang: true },
      kind: "timeout",
      requests: ATTEMPTS,
      message: /last: no answer within 300 ms\./,
    },
  ];

  it.each(embedFaults)("$name: PROVIDER_FAILED ($kind) after $requests request(s)", async (c) => {
    const s = await start({ embeddingsFaults: () => c.fault });
    const embedder = openAiEmbedder({
      model: "text-embedding-3-small",
      dimensions: 4,
      baseURL: s.url,
      apiKey: "k",
      cache: false,
      callTimeoutMs: 300,
      retry: { attempts: ATTEMPTS, initialMs: 5, maxRetryAfterMs: 1000 },
    });
    const index = new VectorIndex({ dimension: 4 });
    index.add([{ id: "a", vector: [1, 0, 0, 0], label: "refund" }]);
    const { tracer, spans } = recordingTracer();
    const result = await run(
      textChain("embed-faults", knn("neighbours", { index, embedder, k: 1 })),
      { text: "x" },
      { tracer },
    );
    expect(result.status).toBe("error");
    const cause = result.status === "error" ? result.error.cause : undefined;
    expect(cause).toMatchObject({
      code: "PROVIDER_FAILED",
      details: { embedder: "openai:text-embedding-3-small:d4", calls: expect.any(Array) },
    });
    const error = cause as CatenaError;
    expect(error.message).toMatch(/^embedder "openai:text-embedding-3-small:d4": /);
    expect(error.message).toMatch(c.message);
    expect(error.message).not.toMatch(/\.\./);
    expect((error.details.calls as Array<{ kind: string }>).at(-1)?.kind).toBe(c.kind);
    expect(s.requests.filter((r) => r.path === "/v1/embeddings")).toHaveLength(c.requests);
    expect(spans[0]?.outcome?.error).toBeDefined();
  });

  it("stops asking the embeddings provider once the step's timeout has ended the run", async () => {
    const s = await start({
      embeddingsFaults: (_request, { index }) => (index === 0 ? undefined : { hang: true }),
    });
    const embedder = openAiEmbedder({
      model: "text-embedding-3-small",
      dimensions: 4,
      baseURL: s.url,
      apiKey: "k",
      cache: false,
      callTimeoutMs: 150,
      retry: { attempts: 5, initialMs: 5 },
    });
    const index = new VectorIndex({ dimension: 4 });
    index.add([{ id: "a", vector: [1, 0, 0, 0], label: "refund" }]);
    await embedder.embedQuery("a warm client"); // the first request loads the client, slowly
    const step = { ...knn("neighbours", { index, embedder, k: 1 }), timeoutMs: 100 };
    const result = await run(textChain("embed-timeout", step), { text: "x" });
    expect(result.status === "error" ? result.error.code : result.status).toBe("TIMEOUT");
    // Five attempts of 150 ms would still be asking; the run's end stopped them.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(s.requests.filter((r) => r.path === "/v1/embeddings")).toHaveLength(2);
  });
});
