import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineChain } from "../compile/define-chain.ts";
import { cascade } from "../flows/flow-nodes.ts";
import { toyIntents } from "../ml/fixtures/toy-intents.ts";
import { LocalEmbedder } from "../ml/local-embedder.ts";
import { VectorIndex } from "../ml/vector-index.ts";
import { run } from "../runtime/runner.ts";
import { knn } from "./knn-step.ts";
import { contractContext, runStepContract } from "./step-contract.case.ts";

const examples = toyIntents();
const embedder = LocalEmbedder.fit(examples.map((e) => e.text));
const index = new VectorIndex({ dimension: embedder.dimension });
index.add(examples.map((e, i) => ({ id: `e${i}`, vector: embedder.embed(e.text), label: e.label })));

runStepContract("knn", {
  create: () => knn("neighbours", { index, embedder, k: 5 }),
  createChanged: () => knn("neighbours", { index, embedder, k: 7 }),
  input: { text: "my card has not arrived yet" },
  labels: true,
});

const ctx = contractContext();

describe("knn step", () => {
  it("votes among the nearest labelled examples", async () => {
    const step = knn("neighbours", { index, embedder, k: 5 });
    const r = await step.run({ text: "the card I ordered still hasn't arrived" }, ctx);
    expect(r.label).toBe("card_arrival");
    expect(r.confidence).toBeGreaterThan(0.5);
    expect(r.neighbours).toHaveLength(5);
    expect(r.neighbours[0]).toEqual({
      id: expect.any(String),
      label: "card_arrival",
      score: expect.any(Number),
    });
  });

  it("keeps each neighbour's metadata, so answers can cite the examples they came from", async () => {
    const tiny = new VectorIndex({ dimension: 2 });
    tiny.add([
      { id: "a", vector: [1, 0], label: "x", metadata: { source: "faq.md", line: 12 } },
      { id: "b", vector: [0, 1], label: "y" },
    ]);
    const fixed = {
      id: "fixed",
      dimension: 2,
      embedQuery: async () => [1, 0.1],
      embedDocuments: async () => [],
    };
    const r = await knn("cite", { index: tiny, embedder: fixed, k: 2 }).run("q", ctx);
    expect(r.neighbours[0]).toEqual({
      id: "a",
      label: "x",
      score: expect.any(Number),
      metadata: { source: "faq.md", line: 12 },
    });
    expect(r.neighbours[1]).not.toHaveProperty("metadata");
  });

  it("weighs votes by similarity, or counts them with majority", async () => {
    const tiny = new VectorIndex({ dimension: 2 });
    tiny.add([
      { id: "a", vector: [1, 0], label: "x" },
      { id: "b", vector: [0.6, 0.8], label: "y" },
      { id: "c", vector: [0.5, 0.866], label: "y" },
    ]);
    const fixed = {
      id: "fixed",
      dimension: 2,
      embedQuery: async () => [1, 0.05],
      embedDocuments: async () => [],
    };
    const weighted = await knn("w", { index: tiny, embedder: fixed, k: 3 }).run("q", ctx);
    const majority = await knn("m", { index: tiny, embedder: fixed, k: 3, vote: "majority" }).run("q", ctx);
    expect(weighted.label).toBe("y");
    expect(majority).toMatchObject({ label: "y", confidence: 2 / 3 });
    const one = await knn("one", { index: tiny, embedder: fixed, k: 1 }).run("q", ctx);
    expect(one).toMatchObject({ label: "x", confidence: 1 });
  });

  it("puts the index hash, embedder id, k and vote in its spec", () => {
    const step = knn("n", { index, embedder, k: 3, vote: "majority", threshold: 0.8 });
    expect(step.spec).toEqual({
      field: "text",
      k: 3,
      vote: "majority",
      index: index.contentHash,
      embedder: embedder.id,
    });
    expect(step.threshold).toBe(0.8);
  });

  it("rejects an embedder whose dimension differs from the index's", () => {
    const other = LocalEmbedder.fit(["a b"], { dimension: 8 });
    expect(() => knn("n", { index, embedder: other })).toThrow(
      /8-dimensional vectors but the index holds 384/,
    );
  });

  it("answers as a cascade tier when its confidence clears the threshold", async () => {
    const chain = defineChain({
      name: "knn-cascade",
      version: "1.0.0",
      input: z.object({ text: z.string() }),
      output: z.object({ label: z.string().nullable(), tier: z.string() }).loose(),
      flow: cascade("intent", [knn("neighbours", { index, embedder, k: 5, threshold: 0.6 })]),
    });
    const r = await run(chain, { text: "I lost my card" });
    expect(r.status).toBe("done");
    expect(r.output).toMatchObject({ label: "lost_card", tier: "neighbours", accepted: true });
  });
});
