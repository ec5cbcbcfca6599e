import { evaluate, evaluateComparative } from "langsmith/evaluation";
import type { Run } from "langsmith/schemas";
import { describe, expect, it } from "vitest";
import { collect, useStudio } from "../studio-fixture.case.ts";

const fixture = useStudio();

describe("comparative experiments through evaluateComparative", () => {
  it("compares two experiments of a dataset with pairwise feedback the studio keeps", async () => {
    const client = fixture.client();
    const dataset = await client.createDataset("pairwise-ds");
    await client.createExamples({
      datasetId: dataset.id,
      inputs: [{ q: "a" }, { q: "b" }],
      outputs: [{ a: "A" }, { a: "B" }],
    });
    const run = (suffix: string) =>
      evaluate((input: { q: string }) => ({ a: `${input.q.toUpperCase()}${suffix}` }), {
        data: dataset.name,
        client,
        experimentPrefix: `exp${suffix || "-exact"}`,
      });
    const exact = await run("");
    const noisy = await run("!");
    const comparison = await evaluateComparative([exact.experimentName, noisy.experimentName], {
      client,
      evaluators: [
        ({ runs, referenceOutputs }: { runs: Run[]; referenceOutputs?: Record<string, unknown> }) => ({
          key: "closer",
          scores: Object.fromEntries(
            runs.map((r: Run) => [r.id, r.outputs?.a === referenceOutputs?.a ? 1 : 0]),
          ),
        }),
      ],
    });
    await client.awaitPendingTraceBatches();
    const comparative = comparison.experimentName;
    expect(comparative).toBeTruthy();
    const listed = await fetch(`${fixture.studio.url}/datasets/${dataset.id}/comparative`).then((r) =>
      r.json(),
    );
    expect(listed).toHaveLength(1);
    const experimentId = (listed as { id: string; experiment_ids: string[] }[])[0]!.id;
    expect((listed as { experiment_ids: string[] }[])[0]!.experiment_ids).toHaveLength(2);
    const feedback = await collect(client.listFeedback({ feedbackKeys: ["closer"] }));
    expect(feedback).toHaveLength(4);
    expect(
      new Set(feedback.map((f) => (f as { comparative_experiment_id?: string }).comparative_experiment_id)),
    ).toEqual(new Set([experimentId]));
    expect(feedback.filter((f) => f.score === 1)).toHaveLength(2);
  });
});
