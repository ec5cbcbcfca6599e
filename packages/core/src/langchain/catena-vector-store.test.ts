import { Document } from "@langchain/core/documents";
import { VectorStore } from "@langchain/core/vectorstores";
import { describe, expect, it } from "vitest";
import { toyIntents } from "../ml/fixtures/toy-intents.ts";
import { LocalEmbedder } from "../ml/local-embedder.ts";
import { CatenaVectorStore } from "./catena-vector-store.ts";

const examples = toyIntents();
const embedder = LocalEmbedder.fit(examples.map((e) => e.text));

describe("CatenaVectorStore", () => {
  it("works as a LangChain vector store and retriever", async () => {
    const store = await CatenaVectorStore.fromTexts(
      examples.map((e) => e.text),
      examples.map((e) => ({ label: e.label })),
      embedder,
    );
    expect(store).toBeInstanceOf(VectorStore);
    expect(store.index.size).toBe(examples.length);
    const [top] = await store.similaritySearchWithScore("my card never arrived", 1);
    expect(top?.[0].metadata.label).toBe("card_arrival");
    expect(top?.[1]).toBeGreaterThan(0.3);
    const docs = await store.asRetriever(3).invoke("I forgot my pin and now it is blocked");
    expect(docs).toHaveLength(3);
    expect(docs.every((d) => d.metadata.label === "pin_blocked")).toBe(true);
    const filtered = await store.similaritySearch("card", 4, (d) => d.metadata.label === "lost_card");
    expect(filtered.map((d) => d.metadata.label)).toEqual([
      "lost_card",
      "lost_card",
      "lost_card",
      "lost_card",
    ]);
  });

  it("adds documents with ids, finds their labels through the index, and deletes them", async () => {
    const store = new CatenaVectorStore(embedder, { precision: "int8" });
    const ids = await store.addDocuments([
      new Document({ pageContent: "refund my last payment", metadata: { label: "refund" } }),
      new Document({ pageContent: "what is the euro rate", metadata: { label: "exchange_rate" } }),
    ]);
    expect(ids).toEqual(["doc-0", "doc-1"]);
    const [hit] = store.index.search(await embedder.embedQuery("refund please"), 1);
    expect(hit).toMatchObject({ id: "doc-0", label: "refund" });
    await store.delete({ ids: ["doc-0"] });
    const [doc] = await store.similaritySearch("refund please", 1);
    expect(doc?.id).toBe("doc-1");
    expect(doc?.pageContent).toBe("what is the euro rate");
  });
});
