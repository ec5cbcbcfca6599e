import { code, defineChain, flow } from "@catena/core";
import { compareExperiments, type Dataset, fieldMatch, runExperiment } from "@catena/core/evals";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { comparisonText } from "./experiment-text.ts";

const input = z.object({ text: z.string() });
const output = z.object({ label: z.string(), confidence: z.number(), tier: z.string() });

/** A labeller whose answer for each text is given: the two versions differ as the test needs. */
function labeller(version: string, answers: Record<string, z.infer<typeof output>>) {
  return defineChain({
    name: "labeller",
    version,
    input,
    output,
    flow: flow(input).pipe(
      code("answer", ({ text }) => answers[text] ?? { label: "other", confidence: 0.5, tier: "rules" }, {
        spec: answers,
      }),
    ),
  });
}

const texts = ["a", "b", "c", "d", "e", "f"];
const dataset: Dataset = {
  name: "labels",
  contentHash: "x",
  examples: texts.map((text) => ({ id: text, inputs: { text }, outputs: { label: "right" } })),
};
const right = (confidence: number, tier = "classifier") => ({ label: "right", confidence, tier });
const before = labeller("1.0.0", {
  a: right(0.9),
  b: right(0.9),
  c: right(0.9),
  d: right(0.9),
  e: right(0.9),
  f: { label: "wrong", confidence: 0.9, tier: "classifier" },
});
// a: a regression; b, c: only the confidence moved; d: another tier, same label; e: unchanged; f: an improvement.
const after = labeller("1.0.1", {
  a: { label: "wrong", confidence: 0.9, tier: "classifier" },
  b: right(0.8123),
  c: right(0.95),
  d: right(0.9, "llm"),
  e: right(0.9),
  f: right(0.9),
});

describe("comparisonText", () => {
  it("lists the changed outputs before those where only numbers moved, and counts each kind", async () => {
    const evaluators = [fieldMatch({ fields: ["label"] })];
    const comparison = compareExperiments(
      await runExperiment(before, dataset, { evaluators }),
      await runExperiment(after, dataset, { evaluators }),
    );
    const text = comparisonText("labeller@1.0.0", "labeller@1.0.1", comparison);
    expect(text).toContain(
      "changed examples (5: 1 regression, 1 improvement, 1 other output, 2 where only numbers moved):",
    );
    const order = [...text.matchAll(/^ {2}(\w+(?: \(numbers\))?)\s+"(\w)"/gm)].map((m) => `${m[2]} ${m[1]}`);
    expect(order).toEqual([
      "a regression",
      "f improvement",
      "d changed",
      "b changed (numbers)",
      "c changed (numbers)",
    ]);
  });

  it("gives the cost per run with the digits a cheap run needs, and a signed delta in dollars", async () => {
    const evaluators = [fieldMatch({ fields: ["label"] })];
    const a = await runExperiment(before, dataset, { evaluators });
    const b = await runExperiment(after, dataset, { evaluators });
    for (const row of a.rows) row.usage = { inputTokens: 100, outputTokens: 1, costUsd: 0.0000552 };
    const text = comparisonText("labeller@1.0.0", "labeller@1.0.1", compareExperiments(a, b));
    expect(text).toMatch(/^cost\/run\s+\$0\.000055\s+\$0\s+-\$0\.000055$/m);
  });
});
