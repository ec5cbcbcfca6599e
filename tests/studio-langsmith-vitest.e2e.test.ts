// A LangSmith user's test suite written with `langsmith/vitest` (ls.describe / ls.test), which
// makes a dataset from the suite, an example per test and an experiment per run of the suite, and
// logs the tests' feedback: pointed at the studio, everything lands there and reads back.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStudio } from "@catena/studio";
import { Client } from "langsmith";
import * as ls from "langsmith/vitest";
import { afterAll, expect } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "catena-studio-lsvitest-"));
const studio = await startStudio({ port: 0, dbPath: join(dir, "studio.db") });
const client = new Client({ apiUrl: studio.url, apiKey: "k", webUrl: studio.url });

afterAll(async () => {
  // Runs after the suite's own afterAll, which waits for its uploads: read everything back.
  const dataset = await client.readDataset({ datasetName: "capitals-suite" });
  const examples = [];
  for await (const e of client.listExamples({ datasetId: dataset.id })) examples.push(e);
  expect(examples.map((e) => e.inputs.country).sort()).toEqual(["France", "Peru"]);
  const experiments = [];
  for await (const p of client.listProjects({ referenceDatasetId: dataset.id })) experiments.push(p);
  expect(experiments).toHaveLength(1);
  const feedback = [];
  for await (const f of client.listFeedback({ feedbackKeys: ["correct"] })) feedback.push(f);
  expect(feedback.map((f) => f.score).sort()).toEqual([0, 1]);
  await studio.close();
  rmSync(dir, { recursive: true, force: true });
});

const capitals: Record<string, string> = { France: "Paris", Peru: "Cusco" };

ls.describe(
  "capitals-suite",
  () => {
    for (const [country, capital] of [
      ["France", "Paris"],
      ["Peru", "Lima"],
    ] as const) {
      ls.test(
        `knows the capital of ${country}`,
        { inputs: { country }, referenceOutputs: { capital } },
        async ({ inputs, referenceOutputs }) => {
          const answer = capitals[inputs.country];
          ls.logOutputs({ capital: answer });
          ls.logFeedback({ key: "correct", score: answer === referenceOutputs?.capital ? 1 : 0 });
        },
      );
    }
  },
  { client, enableTestTracking: true },
);
