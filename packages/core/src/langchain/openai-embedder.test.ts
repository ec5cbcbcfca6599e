import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EmbeddingsRequest, type OpenAiTestServer, startOpenAiTestServer } from "@catena/testing";
import { Embeddings } from "@langchain/core/embeddings";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineChain } from "../compile/define-chain.ts";
import { ChainDefinitionError, ProviderNotConfiguredError } from "../errors/errors.ts";
import { VectorIndex } from "../ml/vector-index.ts";
import { run } from "../runtime/runner.ts";
import { knn } from "../steps/knn-step.ts";
import { EmbeddingProviderError } from "./embedding-provider-error.ts";
import { openAiEmbedder } from "./openai-embedder.ts";

let server: OpenAiTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A vector that tells which text it is for: its first component is the text's length. */
const vectorOf = (text: string, dimension: number): number[] =>
  Array.from({ length: dimension }, (_, i) => (i === 0 ? text.length : i / dimension));

async function start(options: Parameters<typeof startOpenAiTestServer>[0] = {}): Promise<OpenAiTestServer> {
  server = await startOpenAiTestServer({
    embeddings: (texts, request) => texts.map((t) => vectorOf(t, request.dimensions ?? 8)),
    ...(options as object),
  });
  return server;
}

const embeddingRequests = (s: OpenAiTestServer): EmbeddingsRequest[] =>
  s.requests
    .filter((r) => r.path === "/v1/embeddings" && r.status === 200)
    .map((r) => r.body as EmbeddingsRequest);

describe("openAiEmbedder against an OpenAI-compatible server (real OpenAIEmbeddings)", () => {
  it("is an Embedder and a LangChain Embeddings whose id names the model and dimension", async () => {
    const s = await start();
    const embedder = openAiEmbedder({
      model: "openai:text-embedding-3-small",
      dimensions: 8,
      baseURL: s.url,
    });
    expect(embedder).toBeInstanceOf(Embeddings);
    expect(embedder.id).toBe("openai:text-embedding-3-small:d8");
    expect(embedder.dimension).toBe(8);
    expect(await embedder.embedQuery("card")).toEqual(vectorOf("card", 8));
    expect(await embedder.embedDocuments(["a", "bb"])).toEqual([vectorOf("a", 8), vectorOf("bb", 8)]);
    // text-embedding-3 models are asked for the shorter vectors.
    expect(embeddingRequests(s).map((r) => [r.model, r.dimensions])).toEqual([
      ["text-embedding-3-small", 8],
      ["text-embedding-3-small", 8],
    ]);
  });

  it("embeds for a knn step in a chain, and its id goes into the chain's fingerprint", async () => {
    // The server's default embeddings: hashed words, so texts sharing words are near.
    server = await startOpenAiTestServer({ embeddingDimension: 64 });
    const embedder = openAiEmbedder({ model: "text-embedding-3-small", dimensions: 64, baseURL: server.url });
    const examples = [
      { text: "I want a refund for my order", label: "refund" },
      { text: "refund my money please", label: "refund" },
      { text: "where is my parcel", label: "shipping" },
      { text: "my parcel has not arrived", label: "shipping" },
    ];
    const vectors = await embedder.embedDocuments(examples.map((e) => e.text));
    const index = new VectorIndex({ dimension: embedder.dimension });
    index.add(examples.map((e, i) => ({ id: `e${i}`, vector: vectors[i] as number[], label: e.label })));
    const chainWith = (e: typeof embedder) =>
      defineChain({
        name: "nearest",
        version: "1.0.0",
        input: z.object({ text: z.string() }),
        output: z.unknown(),
        flow: knn("neighbours", { index, embedder: e, k: 2 }),
      });
    const chain = chainWith(embedder);
    expect((await run(chain, { text: "has my parcel arrived" })).output).toMatchObject({ label: "shipping" });
    const other = openAiEmbedder({ model: "text-embedding-3-large", dimensions: 64, baseURL: server.url });
    expect(chainWith(other).fingerprint).not.toBe(chain.fingerprint);
  });

  it("sends texts in batches, equal texts once, and keeps the input order", async () => {
    const s = await start();
    const embedder = openAiEmbedder({
      model: "text-embedding-3-small",
      dimensions: 4,
      baseURL: s.url,
      batchSize: 2,
    });
    const texts = ["one", "three", "one", "fifteen", "seventeen"];
    const vectors = await embedder.embedDocuments(texts);
    expect(vectors.map((v) => v[0])).toEqual([3, 5, 3, 7, 9]);
    expect(embeddingRequests(s).map((r) => r.input)).toEqual([
      ["one", "three"],
      ["fifteen", "seventeen"],
    ]);
  });

  it("answers repeated texts from its memory cache, sending only the new ones", async () => {
    const s = await start();
    const embedder = openAiEmbedder({ model: "text-embedding-3-small", dimensions: 4, baseURL: s.url });
    await embedder.embedDocuments(["red", "green"]);
    const again = await embedder.embedDocuments(["green", "blue", "red"]);
    expect(again.map((v) => v[0])).toEqual([5, 4, 3]);
    expect(embeddingRequests(s).map((r) => r.input)).toEqual([["red", "green"], ["blue"]]);
    // The cache hands out copies: a caller normalising a vector in place does not change it.
    (again[0] as number[])[0] = 0;
    expect((await embedder.embedQuery("green"))[0]).toBe(5);
  });

  it("keeps vectors on disk across embedders (and processes) with a cache directory", async () => {
    const s = await start();
    const dir = await mkdtemp(join(tmpdir(), "catena-embeddings-"));
    try {
      const make = () =>
        openAiEmbedder({ model: "text-embedding-3-small", dimensions: 4, baseURL: s.url, cache: dir });
      await make().embedDocuments(["alpha", "beta"]);
      expect(await make().embedDocuments(["beta", "alpha"])).toEqual([
        vectorOf("beta", 4),
        vectorOf("alpha", 4),
      ]);
      expect(embeddingRequests(s)).toHaveLength(1);
      expect((await readdir(dir)).length).toBeGreaterThan(0);
      // Another model (or dimension) does not read these vectors.
      await openAiEmbedder({
        model: "text-embedding-3-large",
        dimensions: 4,
        baseURL: s.url,
        cache: dir,
      }).embedQuery("alpha");
      expect(embeddingRequests(s)).toHaveLength(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("retries failing requests with backoff and still answers", async () => {
    const s = await start({ chaos: { probability: 0.5, status: 500, seed: 7, retryAfterSeconds: 0 } });
    const embedder = openAiEmbedder({
      model: "text-embedding-3-small",
      dimensions: 4,
      baseURL: s.url,
      batchSize: 1,
      retry: { initialMs: 2, attempts: 8 },
    });
    const texts = ["a", "bb", "ccc", "dddd", "eeeee", "ffffff"];
    expect((await embedder.embedDocuments(texts)).map((v) => v[0])).toEqual([1, 2, 3, 4, 5, 6]);
    expect(s.requests.filter((r) => r.rejectedBy === "chaos").length).toBeGreaterThan(0);
  });

  it("waits as long as a 429's Retry-After asks before trying again", async () => {
    const s = await start({ rateLimit: { requestsPerMinute: 60, burst: 1 } });
    const embedder = openAiEmbedder({
      model: "text-embedding-3-small",
      dimensions: 4,
      baseURL: s.url,
      batchSize: 1,
      concurrency: 1,
      retry: { initialMs: 1 },
    });
    const started = performance.now();
    expect((await embedder.embedDocuments(["a", "bb"])).map((v) => v[0])).toEqual([1, 2]);
    expect(s.requests.map((r) => r.status)).toEqual([200, 429, 200]);
    expect(performance.now() - started).toBeGreaterThan(800);
  });

  it("fails with a typed error listing the calls when the provider keeps failing", async () => {
    const s = await start({ chaos: { probability: 1, status: 503, retryAfterSeconds: 0 } });
    const embedder = openAiEmbedder({
      model: "text-embedding-3-small",
      baseURL: s.url,
      retry: { initialMs: 1, attempts: 3 },
    });
    const error = await embedder.embedQuery("x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddingProviderError);
    expect((error as EmbeddingProviderError).code).toBe("PROVIDER_FAILED");
    expect((error as EmbeddingProviderError).calls.map((c) => c.status)).toEqual([503, 503, 503]);
  });

  it("paces requests under the endpoint's shared rate limit", async () => {
    const s = await start();
    const embedder = openAiEmbedder({
      model: "text-embedding-3-small",
      dimensions: 4,
      baseURL: s.url,
      batchSize: 1,
      concurrency: 4,
      rateLimit: { requestsPerMinute: 1200, burstSeconds: 0.05 },
    });
    await embedder.embedDocuments(["a", "b", "c", "d", "e"]);
    const arrivals = s.requests.map((r) => r.receivedAt);
    // 1,200 per minute is one every 50 ms: five requests span at least four intervals.
    expect((arrivals.at(-1) as number) - (arrivals[0] as number)).toBeGreaterThan(4 * 50 * 0.8);
  });

  it("rejects vectors of another length than declared, saying what to set", async () => {
    const s = await start({ embeddings: (texts: string[]) => texts.map(() => [1, 2, 3]) });
    const embedder = openAiEmbedder({ model: "nomic-embed-text", dimensions: 768, baseURL: s.url });
    await expect(embedder.embedQuery("x")).rejects.toThrow(/vectors of length 3.*declares 768.*`dimensions`/);
    // Models other than text-embedding-3 are not sent a dimension they would not understand.
    expect(embeddingRequests(s)[0]?.dimensions).toBeUndefined();
  });

  it("fails with ProviderNotConfiguredError naming the variables when there is neither key nor base URL", async () => {
    const saved = { key: process.env.OPENAI_API_KEY, url: process.env.OPENAI_BASE_URL };
    delete process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_BASE_URL;
    try {
      const embedder = openAiEmbedder({ model: "text-embedding-3-small" });
      const error = await embedder.embedQuery("x").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderNotConfiguredError);
      expect((error as Error).message).toMatch(/Set OPENAI_API_KEY .* or OPENAI_BASE_URL/);
    } finally {
      if (saved.key !== undefined) process.env.OPENAI_API_KEY = saved.key;
      if (saved.url !== undefined) process.env.OPENAI_BASE_URL = saved.url;
    }
  });

  it("needs the vector length of a model it does not know", () => {
    expect(() => openAiEmbedder({ model: "nomic-embed-text" })).toThrow(ChainDefinitionError);
    expect(() => openAiEmbedder({ model: "nomic-embed-text" })).toThrow(/give `dimensions`/);
    expect(openAiEmbedder({ model: "text-embedding-3-large" }).id).toBe(
      "openai:text-embedding-3-large:d3072",
    );
  });
});
