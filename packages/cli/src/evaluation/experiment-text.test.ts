import { code, defineChain } from "@catena/core";
import type { Dataset } from "@catena/core/evals";
import { compareExperiments, fieldMatch, runExperiment, summarizeExperiment } from "@catena/core/evals";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { comparisonText, experimentText, unscoredWarnings } from "./experiment-text.ts";

const input = z.object({ text: z.string() });
const output = z.object({ queue: z.string() });

/** A router; version 2 fails on "boom" and sends billing to "other". */
const router = (version: string) =>
  defineChain({
    name: "router",
    version,
    input,
    output,
    flow: code(
      "route",
      ({ text }: { text: string }) => {
        if (version === "2.0.0" && text === "boom") throw new Error("exploded");
        if (version === "2.0.0" && text.includes("refund")) return { queue: "other" };
        return { queue: text.includes("refund") ? "billing" : "other" };
      },
      { spec: { version } },
    ),
  });

const texts = ["boom", "a refund please", "another refund", "hello", "hi there", "refund now"];
const dataset: Dataset = {
  name: "routes",
  contentHash: "test",
  examples: texts.map((text, i) => ({
    id: `e${i}`,
    inputs: { text },
    outputs: { queue: text.includes("refund") ? "billing" : "other" },
  })),
};

describe("catena compare's text", () => {
  it("says a failed run has no output and why, and shows a negative interval in brackets", async () => {
    const evaluators = [fieldMatch({ fields: ["queue"] })];
    const a = await runExperiment(router("1.0.0"), dataset, { evaluators });
    const b = await runExperiment(router("2.0.0"), dataset, { evaluators });
    const text = comparisonText("router@1.0.0", "router@2.0.0", compareExperiments(a, b));
    expect(text).toContain('regression  "boom"\n    no output (run error: STEP_FAILED in step "route")\n');
    expect(text).toContain('regression  "a refund please"\n    queue: expected "billing", got "other"\n');
    expect(text).not.toMatch(/got null|\(no output\)/);
    // Every example but "hello" and "hi there" went from right to wrong: the interval is below 0.
    expect(text).toMatch(/\(95% CI \[-\d\.\d{3}, -\d\.\d{3}\]\)/);
  });
});

describe("catena eval's text", () => {
  it("gives intervals in brackets, and warns about an evaluator that scored nothing", async () => {
    const unlabelled: Dataset = {
      ...dataset,
      examples: dataset.examples.map(({ outputs: _, ...e }) => e),
    };
    const experiment = await runExperiment(router("1.0.0"), unlabelled, {
      evaluators: [fieldMatch({ fields: ["queue"] })],
    });
    const summary = summarizeExperiment(experiment);
    expect(experimentText(summary)).toMatch(/queue_match\s+-\s+-\s+0\/6/);
    expect(unscoredWarnings(summary, experiment.rows)).toEqual([
      expect.stringMatching(
        /^catena: warning: evaluator queue_match scored none of the 6 runs \(no reference output\), so it has no mean; give the data the reference outputs/,
      ),
    ]);
    const labelled = summarizeExperiment(
      await runExperiment(router("1.0.0"), dataset, { evaluators: [fieldMatch({ fields: ["queue"] })] }),
    );
    expect(experimentText(labelled)).toMatch(/queue_match\s+1\.000\s+\[0\.\d{3}, 1\.000\]\s+6\/6/);
    expect(unscoredWarnings(labelled, [])).toEqual([]);
  });
});
