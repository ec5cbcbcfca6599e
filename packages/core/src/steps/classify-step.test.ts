import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineChain } from "../compile/define-chain.ts";
import { cascade } from "../flows/flow-nodes.ts";
import { TOY_LABELS, toyIntents } from "../ml/fixtures/toy-intents.ts";
import { trainClassifier } from "../ml/train-classifier.ts";
import { run } from "../runtime/runner.ts";
import { classify } from "./classify-step.ts";
import { contractContext, runStepContract } from "./step-contract.case.ts";

const { classifier } = await trainClassifier(toyIntents(), { labels: TOY_LABELS, epochs: 4 });
const { classifier: other } = await trainClassifier(toyIntents(), { labels: TOY_LABELS, epochs: 4, seed: 2 });

runStepContract("classify", {
  create: () => classify("linear", { model: classifier }),
  createChanged: () => classify("linear", { model: other }),
  input: { text: "my pin is blocked" },
  labels: true,
});

const ctx = contractContext();

describe("classify step", () => {
  it("returns the label, its calibrated probability and the top labels", async () => {
    const r = await classify("linear", { model: classifier, top: 3 }).run(
      { text: "I think my card was stolen" },
      ctx,
    );
    expect(r.label).toBe("lost_card");
    expect(r.top).toHaveLength(3);
    expect(r.top[0]).toEqual({ label: "lost_card", confidence: r.confidence });
    expect(r.top.reduce((s, t) => s + t.confidence, 0)).toBeLessThanOrEqual(1 + 1e-9);
  });

  it("reads another field and says which one it needs", async () => {
    const step = classify("linear", { model: classifier, field: "body" });
    expect((await step.run({ body: "exchange rate for euros" }, ctx)).label).toBe("exchange_rate");
    expect(() => step.run({ text: "x" }, ctx)).toThrow(/string "body" field/);
  });

  it("fingerprints the model's content hash", () => {
    expect(classify("c", { model: classifier }).spec).toEqual({
      field: "text",
      top: 5,
      model: classifier.contentHash,
      labels: 4,
    });
  });

  it("hands over to the next tier when below its threshold", async () => {
    const chain = defineChain({
      name: "classify-cascade",
      version: "1.0.0",
      input: z.object({ text: z.string() }),
      output: z.object({ label: z.string().nullable(), tier: z.string() }).loose(),
      flow: cascade("intent", [
        classify("strict", { model: classifier, threshold: 2 }),
        classify("lenient", { model: classifier, threshold: 0 }),
      ]),
    });
    const r = await run(chain, { text: "card arrival" });
    expect(r.status).toBe("done");
    expect(r.output).toMatchObject({ tier: "lenient", label: "card_arrival" });
  });
});
