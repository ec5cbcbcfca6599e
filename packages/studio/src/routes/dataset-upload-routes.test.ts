import { describe, expect, it } from "vitest";
import { collect, request, useStudio } from "../studio-fixture.case.ts";

const fixture = useStudio();

describe("CSV upload and metadata filters through the SDK", () => {
  it("uploadCsv makes a dataset with one example per row, keyed as asked", async () => {
    const client = fixture.client();
    const csv = new Blob(['question,answer,notes\n"What, exactly?",42,x\nWho,me,y\n'], { type: "text/csv" });
    const dataset = await client.uploadCsv({
      csvFile: csv,
      fileName: "qa.csv",
      inputKeys: ["question"],
      outputKeys: ["answer"],
      description: "from a file",
    });
    expect(dataset).toMatchObject({ name: "qa", description: "from a file" });
    const examples = await collect(client.listExamples({ datasetId: dataset.id }));
    expect(examples.map((e) => [e.inputs, e.outputs])).toEqual([
      [{ question: "What, exactly?" }, { answer: "42" }],
      [{ question: "Who" }, { answer: "me" }],
    ]);
    await expect(
      client.uploadCsv({ csvFile: csv, fileName: "bad.csv", inputKeys: ["nope"], outputKeys: [] }),
    ).rejects.toThrow(/no column \\"nope\\"/);
  });

  it("listDatasets and listProjects honour metadata instead of returning everything", async () => {
    const client = fixture.client();
    await client.createDataset("meta-prod", { metadata: { env: "prod" } });
    await client.createDataset("meta-dev", { metadata: { env: "dev" } });
    const prod = await collect(client.listDatasets({ metadata: { env: "prod" } }));
    expect(prod.map((d) => d.name)).toEqual(["meta-prod"]);
    await client.createProject({ projectName: "meta-proj-a", metadata: { team: "a" } });
    await client.createProject({ projectName: "meta-proj-b", metadata: { team: "b" } });
    const teamA = await collect(client.listProjects({ metadata: { team: "a" } }));
    expect(teamA.map((p) => p.name)).toEqual(["meta-proj-a"]);
    const bad = await request(fixture.studio, "GET", "/sessions?metadata=oops");
    expect(bad.status).toBe(422);
  });
});
