import { RunTree } from "langsmith";
import { describe, expect, it } from "vitest";
import { collect, request, useStudio } from "../studio-fixture.case.ts";

const fixture = useStudio();

describe("listExamples({ select }) through the langsmith SDK", () => {
  it("answers only the selected fields besides the defaults, or besides id with excludeDefaultFields", async () => {
    const client = fixture.client();
    const dataset = await client.createDataset("select-examples");
    await client.createExamples({
      datasetId: dataset.id,
      inputs: [{ q: "hours?" }],
      outputs: [{ a: "9-5" }],
      metadata: [{ source: "faq" }],
    });

    const [all] = await collect(client.listExamples({ datasetId: dataset.id }));
    expect(all).toMatchObject({
      inputs: { q: "hours?" },
      outputs: { a: "9-5" },
      metadata: { source: "faq" },
    });

    const [withOutputs] = await collect(client.listExamples({ datasetId: dataset.id, select: ["outputs"] }));
    expect(Object.keys(withOutputs!).sort()).toEqual(
      ["created_at", "dataset_id", "id", "inputs", "modified_at", "outputs", "source_run_id"].sort(),
    );
    expect(withOutputs?.outputs).toEqual({ a: "9-5" });

    const [sparse] = await collect(
      client.listExamples({ datasetId: dataset.id, select: ["metadata"], excludeDefaultFields: true }),
    );
    expect(sparse).toEqual({ id: all?.id, metadata: { source: "faq" } });

    const wrong = await request(fixture.studio, "GET", `/examples?dataset=${dataset.id}&select=runs`);
    expect(wrong.status).toBe(422);
    expect((wrong.body as { detail: string }).detail).toMatch(
      /"select" names "runs", which examples do not have: select from id, name/,
    );
    expect(wrong.body).toMatchObject({ code: "unknown-select-field", field: "runs" });
    expect((wrong.body as { allowed: string[] }).allowed).toContain("source_run_id");
  });

  it("keeps what evaluate() and dataset code read when listExamples({ includeAttachments }) selects", async () => {
    const client = fixture.client();
    const run = new RunTree({ name: "source", run_type: "chain", inputs: { q: "from a run" }, client });
    await run.end({ a: "answer" });
    await run.postRun();
    await client.awaitPendingTraceBatches();
    const dataset = await client.createDataset("select-attachments");
    await client.createExample({
      dataset_id: dataset.id,
      inputs: { q: "from a run" },
      outputs: { a: "answer" },
      metadata: { dataset_split: ["test"] },
      source_run_id: run.id,
    });
    const [example] = await collect(client.listExamples({ datasetId: dataset.id, includeAttachments: true }));
    expect(example).toMatchObject({
      dataset_id: dataset.id,
      inputs: { q: "from a run" },
      outputs: { a: "answer" },
      metadata: { dataset_split: ["test"] },
      source_run_id: run.id,
    });
    expect(example?.created_at).toEqual(expect.any(String));
    expect(example?.modified_at).toEqual(expect.any(String));
  });
});
