import { code, defineChain, flow } from "@catena/core";
import {
  compareExperiments,
  type Dataset,
  fieldMatch,
  runExperiment,
  summarizeExperiment,
} from "@catena/core/evals";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { comparisonText, experimentText, unscoredWarnings } from "./experiment-text.ts";

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

  it("costs a cached answer as uncached, then shows what was spent", async () => {
    const evaluators = [fieldMatch({ fields: ["label"] })];
    const a = await runExperiment(before, dataset, { evaluators });
    const b = await runExperiment(after, dataset, { evaluators });
    for (const row of a.rows) row.usage = { inputTokens: 100, outputTokens: 1, costUsd: 0.0000552 };
    // The same answers, found in the cache: nothing spent, but they cost as much to make.
    for (const row of b.rows)
      row.usage = { inputTokens: 0, outputTokens: 0, costUsd: 0, cachedUsd: 0.0000552 };
    const text = comparisonText("labeller@1.0.0", "labeller@1.0.1", compareExperiments(a, b));
    expect(text).toMatch(/^cost\/run, uncached\s+\$0\.000055\s+\$0\.000055\s+\$0$/m);
    expect(text).toMatch(/^ {2}spent\s+\$0\.000055\s+\$0\s+-\$0\.000055$/m);
  });

  it("prints a cost per run below a cent as a plain decimal with two digits, and its signed delta", async () => {
    const evaluators = [fieldMatch({ fields: ["label"] })];
    const costs = async (a: number, b: number) => {
      const ra = await runExperiment(before, dataset, { evaluators });
      const rb = await runExperiment(after, dataset, { evaluators });
      for (const row of ra.rows) row.usage = { inputTokens: 10, outputTokens: 1, costUsd: a };
      for (const row of rb.rows) row.usage = { inputTokens: 10, outputTokens: 1, costUsd: b };
      const text = comparisonText("labeller@1.0.0", "labeller@1.0.1", compareExperiments(ra, rb));
      return text.split("\n").find((line) => line.startsWith("cost/run"));
    };
    expect(await costs(5.5e-7, 6.7e-7)).toMatch(
      /^cost\/run\s+\$0\.00000055\s+\$0\.00000067\s+\+\$0\.00000012$/,
    );
    expect(await costs(0, 1.2e-9)).toMatch(/^cost\/run\s+\$0\s+\$0\.0000000012\s+\+\$0\.0000000012$/);
    expect(await costs(9.96e-7, 0)).toMatch(/^cost\/run\s+\$0\.000001\s+\$0\s+-\$0\.000001$/);
    expect(await costs(0.0123, 0.0123)).toMatch(/^cost\/run\s+\$0\.0123\s+\$0\.0123\s+\$0$/);
  });

  it("counts a moved number in the answer itself as a changed output, only scores as numbers", async () => {
    const counted = z.object({
      label: z.string(),
      items: z.number(),
      confidence: z.number(),
      probabilities: z.record(z.string(), z.number()),
    });
    const counter = (version: string, answers: Record<string, z.infer<typeof counted>>) =>
      defineChain({
        name: "counter",
        version,
        input,
        output: counted,
        flow: flow(input).pipe(
          code("count", ({ text }) => answers[text] as z.infer<typeof counted>, { spec: answers }),
        ),
      });
    const answer = (items: number, confidence: number, p = 0.7) => ({
      label: "right",
      items,
      confidence,
      probabilities: { right: p, other: 1 - p },
    });
    const evaluators = [fieldMatch({ fields: ["label"] })];
    const comparison = compareExperiments(
      await runExperiment(
        counter("1.0.0", {
          a: answer(3, 0.9),
          b: answer(4, 0.9),
          c: answer(5, 0.9),
          d: answer(6, 0.9),
          e: answer(7, 0.9),
          f: answer(8, 0.9),
        }),
        dataset,
        { evaluators },
      ),
      // a: the count moved; b: only the confidence; c: only the probabilities; d: the count and the confidence.
      await runExperiment(
        counter("1.0.1", {
          a: answer(30, 0.9),
          b: answer(4, 0.5),
          c: answer(5, 0.9, 0.6),
          d: answer(7, 0.8),
          e: answer(7, 0.9),
          f: answer(8, 0.9),
        }),
        dataset,
        { evaluators },
      ),
    );
    const text = comparisonText("counter@1.0.0", "counter@1.0.1", comparison);
    expect(text).toContain("changed examples (4: 2 other outputs, 2 where only numbers moved):");
    const order = [...text.matchAll(/^ {2}(\w+(?: \(numbers\))?)\s+"(\w)"/gm)].map((m) => `${m[2]} ${m[1]}`);
    expect(order).toEqual(["a changed", "d changed", "b changed (numbers)", "c changed (numbers)"]);
  });
});

const routeInput = z.object({ text: z.string() });
const routeOutput = z.object({ queue: z.string() });

/** A router; version 2 fails on "boom" and sends billing to "other". */
const router = (version: string) =>
  defineChain({
    name: "router",
    version,
    input: routeInput,
    output: routeOutput,
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

const routeTexts = ["boom", "a refund please", "another refund", "hello", "hi there", "refund now"];
const routes: Dataset = {
  name: "routes",
  contentHash: "test",
  examples: routeTexts.map((text, i) => ({
    id: `e${i}`,
    inputs: { text },
    outputs: { queue: text.includes("refund") ? "billing" : "other" },
  })),
};

describe("catena compare's text", () => {
  it("says a failed run has no output and why, and shows a negative interval in brackets", async () => {
    const evaluators = [fieldMatch({ fields: ["queue"] })];
    const a = await runExperiment(router("1.0.0"), routes, { evaluators });
    const b = await runExperiment(router("2.0.0"), routes, { evaluators });
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
      ...routes,
      examples: routes.examples.map(({ outputs: _, ...e }) => e),
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
      await runExperiment(router("1.0.0"), routes, { evaluators: [fieldMatch({ fields: ["queue"] })] }),
    );
    expect(experimentText(labelled)).toMatch(/queue_match\s+1\.000\s+\[0\.\d{3}, 1\.000\]\s+6\/6/);
    expect(unscoredWarnings(labelled, [])).toEqual([]);
  });

  it("names the repeats only when every example ran the same whole number of times", async () => {
    const summary = summarizeExperiment(
      await runExperiment(router("1.0.0"), routes, { evaluators: [fieldMatch({ fields: ["queue"] })] }),
    );
    const head = (runs: number): string => experimentText({ ...summary, runs }).split("\n")[0] ?? "";
    expect(head(12)).toBe("evaluators (12 runs of 6 examples, 2 repeats):");
    // A stopped experiment with repeats ran some examples once: no "1.5 repeats".
    expect(head(9)).toBe("evaluators (9 runs of 6 examples):");
    expect(head(6)).toBe("evaluators (6 runs of 6 examples):");
  });
});
