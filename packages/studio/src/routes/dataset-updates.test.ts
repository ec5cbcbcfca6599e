import { describe, expect, it } from "vitest";
import { collect, request, useStudio } from "../studio-fixture.case.ts";

const fixture = useStudio();

async function seeded(name: string) {
  const client = fixture.client();
  const dataset = await client.createDataset(name);
  const examples = await client.createExamples([
    {
      dataset_id: dataset.id,
      inputs: { text: "a" },
      outputs: { label: "x" },
      metadata: { source: "cli", n: 1 },
    },
    {
      dataset_id: dataset.id,
      inputs: { text: "b" },
      outputs: { label: "y" },
      metadata: { source: "ui", n: 2 },
    },
    { dataset_id: dataset.id, inputs: { text: "c" }, outputs: { label: "z" }, metadata: { n: 3 } },
  ]);
  return { client, dataset, examples };
}

describe("changing datasets and examples through the langsmith SDK", () => {
  it("updates one example (updateExample) and several (updateExamples), keeping what is not sent", async () => {
    const { client, examples } = await seeded("updates");
    const [a, b, c] = examples;
    await client.updateExample(a!.id, { outputs: { label: "x2" }, metadata: { source: "review" } });
    expect(await client.readExample(a!.id)).toMatchObject({
      inputs: { text: "a" },
      outputs: { label: "x2" },
      metadata: { source: "review" },
    });
    await client.updateExamples([
      { id: b!.id, inputs: { text: "b2" } },
      { id: c!.id, outputs: { label: "z2" }, split: "test" },
    ]);
    expect(await client.readExample(b!.id)).toMatchObject({
      inputs: { text: "b2" },
      outputs: { label: "y" },
    });
    expect(await client.readExample(c!.id)).toMatchObject({
      outputs: { label: "z2" },
      metadata: { n: 3, dataset_split: ["test"] },
    });
    await expect(
      client.updateExample(crypto.randomUUID(), { dataset_id: a!.dataset_id, inputs: {} }),
    ).rejects.toThrow(/404|not found/);
  });

  it("renames and describes a dataset (updateDataset)", async () => {
    const { client, dataset } = await seeded("to-rename");
    const updated = await client.updateDataset({
      datasetId: dataset.id,
      name: "renamed",
      description: "now named",
    });
    expect(updated).toMatchObject({ id: dataset.id, name: "renamed", description: "now named" });
    expect((await client.readDataset({ datasetName: "renamed" })).id).toBe(dataset.id);
    // LangSmith's PATCH: a field sent as null is cleared, one left out is kept. The SDK's type has
    // no null, so the request is sent as LangSmith documents it.
    const cleared = await request(fixture.studio, "PATCH", `/datasets/${dataset.id}`, {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ description: null }),
    });
    expect(cleared).toMatchObject({ status: 200, body: { name: "renamed", description: null } });
    await client.updateDataset({ datasetId: dataset.id, name: "renamed" });
    expect(await client.readDataset({ datasetId: dataset.id })).toMatchObject({ description: null });
    await client.createDataset("taken");
    await expect(client.updateDataset({ datasetId: dataset.id, name: "taken" })).rejects.toThrow(
      /409|already/,
    );
  });

  it("adds examples to splits, removes them, and lists the splits", async () => {
    const { client, dataset, examples } = await seeded("splits");
    const [a, b, c] = examples;
    await client.updateDatasetSplits({
      datasetId: dataset.id,
      splitName: "train",
      exampleIds: [a!.id, b!.id],
    });
    await client.updateDatasetSplits({ datasetId: dataset.id, splitName: "test", exampleIds: [c!.id] });
    expect((await client.listDatasetSplits({ datasetId: dataset.id })).sort()).toEqual(["test", "train"]);
    const train = await collect(client.listExamples({ datasetId: dataset.id, splits: ["train"] }));
    expect(train.map((e) => e.inputs.text)).toEqual(["a", "b"]);
    await client.updateDatasetSplits({
      datasetId: dataset.id,
      splitName: "train",
      exampleIds: [b!.id],
      remove: true,
    });
    const after = await collect(client.listExamples({ datasetId: dataset.id, splits: ["train"] }));
    expect(after.map((e) => e.inputs.text)).toEqual(["a"]);
    expect((await client.readExample(a!.id)).metadata).toMatchObject({
      source: "cli",
      dataset_split: ["train"],
    });
  });

  it("filters examples with listExamples({ filter }) and refuses a filter it cannot apply", async () => {
    const { client, dataset, examples } = await seeded("filtered");
    const texts = async (filter: string) =>
      (await collect(client.listExamples({ datasetId: dataset.id, filter }))).map((e) => e.inputs.text);
    expect(await texts(`has(metadata, '{"source": "cli"}')`)).toEqual(["a"]);
    expect(await texts(`exists(metadata, "source")`)).toEqual(["a", "b"]);
    expect(await texts(`not(exists(metadata, "source"))`)).toEqual(["c"]);
    expect(await texts(`or(eq(id, "${examples[2]!.id}"), has(metadata, '{"source": "ui"}'))`)).toEqual([
      "b",
      "c",
    ]);
    expect(await texts(`and(gte(metadata.n, 2), lt(metadata.n, 3))`)).toEqual(["b"]);
    await expect(texts(`eq(nonsense, 1)`)).rejects.toThrow(/422.*nonsense/);
    // A filter that does not parse is explained in the example filter language, not the run one.
    await expect(texts("eq(")).rejects.toThrow(/422.*Cannot parse filter.*Supported: and.*dataset_split/);
  });
});
