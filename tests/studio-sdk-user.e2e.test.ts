// What a LangSmith user's evaluation code does with the newest installed SDK, against the studio:
// evaluate() with repetitions, summary evaluators and several result shapes, on a split, examples
// with splits and attachments, feedback, a pairwise comparison of two experiments, and reading the
// results back. Each step asserts what the user would look at.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStudio } from "@catena/studio";
import { Client } from "langsmith";
import { evaluate } from "langsmith/evaluation";
import type { Example, Run } from "langsmith/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let dir: string;
let studio: Awaited<ReturnType<typeof startStudio>>;
let client: Client;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "catena-studio-user-"));
  studio = await startStudio({ port: 0, dbPath: join(dir, "studio.db") });
  client = new Client({ apiUrl: studio.url, apiKey: "k", webUrl: studio.url });
});

afterAll(async () => {
  await studio?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function qaDataset(name: string): Promise<string> {
  const dataset = await client.createDataset(name, { description: "capitals" });
  await client.createExamples({
    datasetId: dataset.id,
    inputs: [{ country: "France" }, { country: "Peru" }, { country: "Japan" }],
    outputs: [{ capital: "Paris" }, { capital: "Lima" }, { capital: "Tokyo" }],
    splits: [["train"], ["test"], ["test"]],
    metadata: [{ difficulty: 1 }, { difficulty: 2 }, { difficulty: 2 }],
  });
  return dataset.id;
}

const capitals: Record<string, string> = { France: "Paris", Peru: "Lima", Japan: "Kyoto" };
const target = async (inputs: Record<string, unknown>) => ({ capital: capitals[String(inputs.country)] });
const exact = ({ run, example }: { run: Run; example?: Example }) => ({
  key: "exact",
  score: run.outputs?.capital === example?.outputs?.capital ? 1 : 0,
});

describe("a LangSmith user's evaluation code against the studio (newest SDK)", () => {
  it("evaluates with repetitions, several result shapes and a summary evaluator, and reads the results back", async () => {
    const datasetId = await qaDataset("capitals");
    const results = await evaluate(target, {
      data: "capitals",
      evaluators: [
        exact,
        // Several results from one evaluator, one with a comment and a categorical value.
        ({ run }: { run: Run }) => ({
          results: [
            { key: "length", score: String(run.outputs?.capital ?? "").length },
            { key: "shape", value: "word", comment: "one word" },
          ],
        }),
      ],
      summaryEvaluators: [
        ({ runs, examples }: { runs: Run[]; examples: Example[] }) => ({
          key: "accuracy",
          score:
            runs.filter((r, i) => r.outputs?.capital === examples[i]?.outputs?.capital).length / runs.length,
        }),
      ],
      numRepetitions: 2,
      maxConcurrency: 2,
      experimentPrefix: "capitals-v1",
      metadata: { model: "lookup-table" },
      client,
    });
    expect(results.results).toHaveLength(6);
    const scores = results.results.map(
      (r) => r.evaluationResults.results.find((e) => e.key === "exact")?.score,
    );
    expect(scores.filter((s) => s === 1)).toHaveLength(4);

    const project = await client.readProject({ projectName: results.experimentName, includeStats: true });
    expect(project.reference_dataset_id).toBe(datasetId);
    expect(project.extra?.metadata).toMatchObject({ model: "lookup-table", num_repetitions: 2 });
    expect(project.feedback_stats?.exact).toMatchObject({ n: 6 });
    // The summary evaluator's score is feedback on the experiment itself.
    const { session_feedback_stats: summary } = project as unknown as {
      session_feedback_stats?: Record<string, { n: number; avg: number }>;
    };
    expect(summary?.accuracy).toMatchObject({ n: 1 });
    expect(summary?.accuracy?.avg).toBeCloseTo(2 / 3, 3);
    const experiments = await all(client.listProjects({ referenceDatasetId: datasetId }));
    expect(experiments.map((e) => e.name)).toEqual([results.experimentName]);

    // Only the test split.
    const testOnly = await evaluate(target, {
      data: client.listExamples({ datasetId, splits: ["test"] }),
      evaluators: [exact],
      client,
    });
    expect(testOnly.results).toHaveLength(2);
    // Each run of the split's experiment points at its example.
    const testRuns = await all(client.listRuns({ projectName: testOnly.experimentName, isRoot: true }));
    expect(testRuns.map((r) => r.reference_example_id).sort()).toEqual(
      testOnly.results.map((r) => r.example.id).sort(),
    );

    // Compare two experiments pairwise, the way evaluate() takes a pair of experiment names.
    const pairwise = await evaluate([results.experimentName, testOnly.experimentName], {
      evaluators: [
        ({ runs }: { runs: Run[] }) => ({
          key: "preferred",
          scores: Object.fromEntries(runs.map((r, i) => [r.id, i === 0 ? 1 : 0])),
        }),
      ],
      client,
    });
    expect(pairwise.results).toHaveLength(2); // the examples both experiments ran
    await client.awaitPendingTraceBatches();
    // One score per run of those examples: two repetitions in the first experiment, one in the second.
    const preferred = await all(client.listFeedback({ feedbackKeys: ["preferred"] }));
    expect(preferred).toHaveLength(6);
    for (const f of preferred) {
      expect((f as unknown as { comparative_experiment_id?: string }).comparative_experiment_id).toEqual(
        expect.any(String),
      );
    }
  });

  it("builds examples one at a time, with attachments, and evaluates with them", async () => {
    const dataset = await client.createDataset("images");
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    await client.createExample({
      dataset_id: dataset.id,
      inputs: { question: "what is it?" },
      outputs: { answer: "a png" },
      attachments: { picture: ["image/png", png] },
    });
    await client.createLLMExample("2+2?", "4", { datasetId: dataset.id });
    await client.createChatExample(
      [{ role: "user", content: "hi" }],
      { role: "assistant", content: "hello" },
      {
        datasetId: dataset.id,
      },
    );
    const examples = await all(client.listExamples({ datasetId: dataset.id, includeAttachments: true }));
    expect(examples).toHaveLength(3);
    const withPicture = examples.find((e) => e.attachments?.picture !== undefined);
    const bytes = new Uint8Array(
      await (await fetch(withPicture!.attachments!.picture!.presigned_url)).arrayBuffer(),
    );
    expect(bytes).toEqual(png);

    const seen: number[] = [];
    const result = await evaluate(
      async (_inputs: Record<string, unknown>, config?: { attachments?: Record<string, unknown> }) => {
        seen.push(Object.keys(config?.attachments ?? {}).length);
        return { ok: true };
      },
      { data: "images", includeAttachments: true, client },
    );
    expect(result.results).toHaveLength(3);
    expect(seen.sort()).toEqual([0, 0, 1]);
  });

  it("says clearly that prompts (the hub) are not served", async () => {
    await expect(client.pullPromptCommit("my-prompt")).rejects.toThrow(/404.*No endpoint GET \/commits\//);
  });
});
