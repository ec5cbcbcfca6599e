import { Client } from "langsmith";
import { describe, expect, it } from "vitest";
import { collect, request, useStudio } from "../studio-fixture.case.ts";

const owner = { headers: { "x-api-key": "owner-key" } };

const fixture = useStudio({ apiKey: "owner-key" });

describe("dataset sharing through the langsmith SDK", () => {
  it("shares a dataset, reads it and its examples with the token alone, clones it, and unshares it", async () => {
    const client = fixture.client({ apiKey: "owner-key" });
    const dataset = await client.createDataset("faq", { description: "questions" });
    await client.createExamples({
      datasetId: dataset.id,
      inputs: [{ q: "hours?" }, { q: "refunds?" }],
      outputs: [{ a: "9-5" }, { a: "30 days" }],
    });
    // LangSmith answers the share state of an unshared dataset with null (as for a run); the
    // SDK's readDatasetSharedSchema does not expect it and fails setting `url` on it.
    expect(await request(fixture.studio, "GET", `/datasets/${dataset.id}/share`, owner)).toEqual({
      status: 200,
      body: null,
    });
    await expect(client.readDatasetSharedSchema(dataset.id)).rejects.toThrow(TypeError);
    await expect(client.readDatasetSharedSchema("00000000-0000-4000-8000-000000000000")).rejects.toThrow(
      /\[404\]/,
    );
    const shared = await client.shareDataset(dataset.id);
    expect(shared).toMatchObject({ dataset_id: dataset.id, share_token: expect.any(String) });
    expect((await client.shareDataset(dataset.id)).share_token).toBe(shared.share_token);
    expect((await client.readDatasetSharedSchema(dataset.id)).share_token).toBe(shared.share_token);

    // Someone with the link and no key.
    const visitor = fixture.client({ apiKey: "wrong-key" });
    expect(await visitor.readSharedDataset(shared.share_token)).toMatchObject({
      id: dataset.id,
      name: "faq",
    });
    const examples = await visitor.listSharedExamples(shared.share_token);
    expect(examples.map((e) => e.inputs).sort((a, b) => String(a.q).localeCompare(String(b.q)))).toEqual([
      { q: "hours?" },
      { q: "refunds?" },
    ]);
    const [first] = examples;
    expect(
      (await visitor.listSharedExamples(shared.share_token, { exampleIds: [first!.id] })).map((e) => e.id),
    ).toEqual([first!.id]);
    // The token opens the dataset and nothing else.
    await expect(collect(visitor.listDatasets())).rejects.toThrow(/\[401\]/);

    // Another studio user clones it from the share token.
    const cloned = await client.clonePublicDataset(shared.share_token, {
      sourceApiUrl: fixture.studio.url,
      datasetName: "faq-copy",
    });
    expect(cloned).toBeUndefined();
    const copy = await client.readDataset({ datasetName: "faq-copy" });
    expect(await collect(client.listExamples({ datasetId: copy.id }))).toHaveLength(2);

    await client.unshareDataset(dataset.id);
    expect((await request(fixture.studio, "GET", `/datasets/${dataset.id}/share`, owner)).body).toBeNull();
    await expect(visitor.readSharedDataset(shared.share_token)).rejects.toThrow(/\[404\]/);
    await expect(
      new Client({ apiUrl: fixture.studio.url }).readSharedDataset(shared.share_token),
    ).rejects.toThrow(/\[404\]/);
  });
});
