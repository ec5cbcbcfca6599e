import { describe, expect, it } from "vitest";
import { collect, useStudio } from "../studio-fixture.case.ts";

const fixture = useStudio();

describe("dataset versions through the SDK", () => {
  it("reads a dataset as of a time or tag, diffs two versions and hard-deletes examples from every version", async () => {
    const client = fixture.client();
    const dataset = await client.createDataset("versioned");
    const [a, b] = await client.createExamples({
      datasetId: dataset.id,
      inputs: [{ q: "a" }, { q: "b" }],
      outputs: [{ a: 1 }, { a: 2 }],
    });
    const v1 = await client.readDatasetVersion({ datasetId: dataset.id, asOf: new Date() });
    await client.updateDatasetTag({ datasetId: dataset.id, tag: "prod", asOf: v1.as_of });
    await client.updateExample(a!.id, { inputs: { q: "a2" } });
    await client.deleteExamples([b!.id]);
    const [c] = await client.createExamples({
      datasetId: dataset.id,
      inputs: [{ q: "c" }],
      outputs: [{ a: 3 }],
    });

    const now = await collect(client.listExamples({ datasetId: dataset.id }));
    expect(now.map((e) => e.inputs.q)).toEqual(["a2", "c"]);
    const prod = await collect(client.listExamples({ datasetId: dataset.id, asOf: "prod" }));
    expect(prod.map((e) => e.inputs.q)).toEqual(["a", "b"]);
    const atV1 = await collect(client.listExamples({ datasetId: dataset.id, asOf: v1.as_of }));
    expect(atV1.map((e) => e.id)).toEqual([a!.id, b!.id]);
    expect(await client.readDatasetVersion({ datasetId: dataset.id, tag: "prod" })).toEqual({
      as_of: v1.as_of,
      tags: ["prod"],
    });

    const diff = await client.diffDatasetVersions({
      datasetId: dataset.id,
      fromVersion: "prod",
      toVersion: "latest",
    });
    expect(diff).toEqual({ examples_modified: [a!.id], examples_added: [c!.id], examples_removed: [b!.id] });

    await client.deleteExamples([c!.id], { hardDelete: true });
    const later = await collect(client.listExamples({ datasetId: dataset.id, asOf: "latest" }));
    expect(later.map((e) => e.id)).toEqual([a!.id]);
    const diffAfter = await client.diffDatasetVersions({
      datasetId: dataset.id,
      fromVersion: "prod",
      toVersion: "latest",
    });
    expect(diffAfter.examples_added).toEqual([]);
  });

  it("filters a past version with the same filters as the current one", async () => {
    const client = fixture.client();
    const dataset = await client.createDataset("versioned-filter");
    await client.createExamples({
      datasetId: dataset.id,
      inputs: [{ q: "x" }, { q: "y" }],
      metadata: [{ source: "cli" }, { source: "web" }],
    });
    const v = await client.readDatasetVersion({ datasetId: dataset.id, asOf: new Date() });
    const listed = await collect(
      client.listExamples({
        datasetId: dataset.id,
        asOf: v.as_of,
        filter: 'has(metadata, \'{"source": "web"}\')',
      }),
    );
    expect(listed.map((e) => e.inputs.q)).toEqual(["y"]);
  });
});
