import type { EmbeddingsFault } from "@catena/testing";
import { describe, expect, it } from "vitest";
import type { CatenaError } from "../errors/catena-error.ts";
import { openAiEmbedder } from "../langchain/openai-embedder.ts";
import { VectorIndex } from "../ml/vector-index.ts";
import { run } from "../runtime/runner.ts";
import { knn } from "../steps/knn-step.ts";
import { ATTEMPTS, recordingTracer } from "./fixtures/fault-matrix.ts";
import { testServers, textChain } from "./fixtures/provider-fixture.ts";

// The provider fault matrix, embeddings: the faults of the embeddings endpoint a knn step meets,
// and the step's end stopping its requests (see fixtures/fault-matrix.ts).

const start = testServers();

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
      message:
        /last: 401 Incorrect API key provided: k\. Check the API key the server at \S+ expects \(the `apiKey` option, else OPENAI_API_KEY\)/,
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
      message:
        /last: no answer within 300 ms \(the embedder's `callTimeoutMs`\)\. If the provider needs longer, raise the timeout named above/,
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

  it("does not retry vectors of the wrong length, nor tell to raise `retry.attempts`", async () => {
    const s = await start({ embeddingDimension: 8 });
    // A model whose vectors Catena cannot shorten: `dimensions` declares their length, wrongly.
    const embedder = openAiEmbedder({
      model: "nomic-embed-text",
      dimensions: 4,
      baseURL: s.url,
      apiKey: "k",
      cache: false,
      retry: { attempts: ATTEMPTS, initialMs: 5 },
    });
    const failed = await embedder.embedQuery("x").then(
      () => undefined,
      (error: unknown) => error as CatenaError,
    );
    expect(failed?.details).toMatchObject({ retryable: false, calls: [{ kind: "malformed-response" }] });
    expect(failed?.message).toMatch(
      /last: the model answered vectors of length 8, but the embedder declares 4; set `dimensions` to the model's vector length\. Check the embedder's model and settings; retrying does not help\.$/,
    );
    expect(s.requests.filter((r) => r.path === "/v1/embeddings")).toHaveLength(1);
  });

  it("sends no request once the caller's signal aborted while the client was loading", async () => {
    const s = await start({});
    const embedder = openAiEmbedder({
      model: "text-embedding-3-small",
      dimensions: 4,
      baseURL: s.url,
      apiKey: "k",
    });
    const controller = new AbortController();
    const pending = embedder.embedQuery("x", { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: "ABORTED" });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(s.requests.filter((r) => r.path === "/v1/embeddings")).toHaveLength(0);
  });

  it("sends no request once the caller's signal aborted while it waited for the rate limit", async () => {
    const s = await start({});
    const embedder = openAiEmbedder({
      model: "text-embedding-3-small",
      dimensions: 4,
      baseURL: s.url,
      apiKey: "k",
      rateLimit: { requestsPerMinute: 1 },
    });
    await embedder.embedQuery("the minute's one request");
    const controller = new AbortController();
    const pending = embedder.embedQuery("x", { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ code: "ABORTED" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(s.requests.filter((r) => r.path === "/v1/embeddings")).toHaveLength(1);
  });
});
