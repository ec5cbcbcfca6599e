import { cascade, code, defineChain } from "@catena/core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { tracedCalibrationItems } from "./traced-calibration.ts";
import type { TracedItem } from "./traced-training-set.ts";

/** A current version whose cheap tier answers every text (one stratum: cheap). */
const current = defineChain({
  name: "always-sure",
  version: "1.0.0",
  input: z.object({ text: z.string() }),
  output: z.unknown(),
  flow: cascade("intent", [{ step: code("sure", () => ({ label: "a", confidence: 1 })), threshold: 0.5 }], {
    onExhausted: "deferred",
  }),
});

const item = (text: string, extra: Partial<TracedItem> = {}): TracedItem => ({
  text,
  label: "a",
  source: "llm",
  runs: 1,
  disagreeing: 0,
  ...extra,
});

describe("tracedCalibrationItems", () => {
  it("weighs audits by 1 / their chance of being audited, scaled to a mean of 1 among the audits", async () => {
    const set = await tracedCalibrationItems({
      current,
      dev: [{ text: "dev one", label: "a" }],
      traced: [item("near the threshold", { weight: 2 }), item("sure", { weight: 10 }), item("llm label")],
      trafficLlmShare: 0,
      correctionWeight: 2,
      llmWeight: 1,
    });
    const weights = set.items.map((i) => i.weight);
    // Raw weights 1 (dev), 1/3 and 5/3 (audits: 2 and 10 over their mean 6), 1 (a plain LLM label),
    // scaled so that they sum to the number of items (4): unchanged, they already do.
    expect(weights[0]).toBeCloseTo(1);
    expect(weights[1]).toBeCloseTo(1 / 3);
    expect(weights[2]).toBeCloseTo(5 / 3);
    expect(weights[3]).toBeCloseTo(1);
  });
});
