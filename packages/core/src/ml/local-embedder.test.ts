import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EmbeddingsInterface } from "@langchain/core/embeddings";
import { describe, expect, it } from "vitest";
import { toyIntents } from "./fixtures/toy-intents.ts";
import { LocalEmbedder } from "./local-embedder.ts";

const corpus = toyIntents().map((e) => e.text);
const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * (b[i] as number), 0);

describe("LocalEmbedder", () => {
  it("is a LangChain EmbeddingsInterface giving unit vectors of its dimension", async () => {
    const local = LocalEmbedder.fit(corpus);
    // Checked by the compiler: LangChain vector stores accept it as it is.
    const embedder: EmbeddingsInterface = local;
    expect(local.dimension).toBe(384);
    const [a, b] = await embedder.embedDocuments(["my card has not arrived", "how do I unblock my pin"]);
    expect(a).toHaveLength(384);
    expect(cosine(a as number[], a as number[])).toBeCloseTo(1, 5);
    expect(await embedder.embedQuery("my card has not arrived")).toEqual(a);
    expect(cosine(b as number[], b as number[])).toBeCloseTo(1, 5);
  });

  it("scores near-paraphrases above unrelated sentences", async () => {
    const embedder = LocalEmbedder.fit(corpus);
    const [q, para, other] = await embedder.embedDocuments([
      "my new card still hasn't arrived",
      "when will the card I ordered arrive",
      "what is the exchange rate for yen",
    ]);
    expect(cosine(q as number[], para as number[])).toBeGreaterThan(
      cosine(q as number[], other as number[]) + 0.1,
    );
  });

  it("is deterministic: same corpus and options give the same id and vectors, pinned here", async () => {
    const a = LocalEmbedder.fit(corpus);
    const b = LocalEmbedder.fit([...corpus]);
    expect(b.id).toBe(a.id);
    expect(a.id).toMatch(/^catena-local-ngram-tfidf@1:d384:s4:seed0:[0-9a-f]{16}$/);
    const v = await a.embedQuery("please block my lost card");
    expect(await b.embedQuery("please block my lost card")).toEqual(v);
    // A digest of the vector pins the exact numbers across machines and releases.
    const digest = createHash("sha256")
      .update(Buffer.from(Float32Array.from(v).buffer))
      .digest("hex")
      .slice(0, 16);
    expect(digest).toMatchInlineSnapshot(`"d150187725912fcf"`);
    expect(LocalEmbedder.fit(corpus, { seed: 1 }).id).not.toBe(a.id);
    expect(LocalEmbedder.fit(corpus.slice(1)).id).not.toBe(a.id);
  });

  it("saves and loads its fitted state", async () => {
    const embedder = LocalEmbedder.fit(corpus, { dimension: 64 });
    const path = join(mkdtempSync(join(tmpdir(), "catena-emb-")), "toy.embedder");
    embedder.save(path);
    const loaded = LocalEmbedder.load(path);
    expect(loaded.id).toBe(embedder.id);
    expect(loaded.dimension).toBe(64);
    expect(await loaded.embedQuery("pin blocked")).toEqual(await embedder.embedQuery("pin blocked"));
  });

  it("serves repeated texts from its cache", () => {
    const embedder = LocalEmbedder.fit(corpus, { cacheSize: 2 });
    const first = embedder.embed("lost card");
    expect(embedder.embed("lost card")).toBe(first);
    embedder.embed("pin");
    embedder.embed("rate");
    expect(embedder.embed("lost card")).not.toBe(first);
    expect(embedder.embed("lost card")).toEqual(first);
  });

  it("stops embedding once the caller's signal aborts, between batches", async () => {
    const embedder = LocalEmbedder.fit(corpus, { batchSize: 2 });
    const controller = new AbortController();
    const texts = ["a card", "a pin", "a rate", "a fee", "a loan", "a top-up"];
    const pending = embedder.embedDocuments(texts, { signal: controller.signal });
    // The first batch ran before the call yielded; the rest is not embedded.
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: "ABORTED" });
    await expect(embedder.embedQuery("a card", { signal: controller.signal })).rejects.toMatchObject({
      code: "ABORTED",
    });
    expect(await embedder.embedDocuments(texts)).toHaveLength(6);
  });
});
