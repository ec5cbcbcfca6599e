import { describe, expect, it } from "vitest";
import { collect, request, useStudio } from "../studio-fixture.case.ts";

const fixture = useStudio();

describe("datasets and examples through the langsmith SDK", () => {
  it("creates a dataset, uploads examples (multipart) and lists them back", async () => {
    const client = fixture.client();
    const dataset = await client.createDataset("intents", { description: "d", metadata: { owner: "qa" } });
    expect(dataset).toMatchObject({ name: "intents", description: "d", data_type: "kv" });
    expect(await client.hasDataset({ datasetName: "intents" })).toBe(true);
    expect(await client.hasDataset({ datasetName: "missing" })).toBe(false);

    const created = await client.createExamples([
      {
        dataset_id: dataset.id,
        inputs: { text: "card not here" },
        outputs: { label: "card_arrival" },
        split: "train",
      },
      {
        dataset_id: dataset.id,
        inputs: { text: "pin blocked" },
        outputs: { label: "pin_blocked" },
        metadata: { source: "cli" },
      },
    ]);
    expect(created.map((e) => e.inputs)).toEqual([{ text: "card not here" }, { text: "pin blocked" }]);
    expect(created[0]?.metadata).toMatchObject({ dataset_split: ["train"] });

    const legacy = await client.createExamples({
      datasetName: "intents",
      inputs: [{ text: "refund please" }],
      outputs: [{ label: "refund" }],
    });
    expect(legacy).toHaveLength(1);

    const listed = await collect(client.listExamples({ datasetId: dataset.id }));
    expect(listed.map((e) => e.outputs?.label)).toEqual(["card_arrival", "pin_blocked", "refund"]);
    const bySplit = await collect(client.listExamples({ datasetName: "intents", splits: ["train"] }));
    expect(bySplit.map((e) => e.inputs.text)).toEqual(["card not here"]);
    const byMetadata = await collect(
      client.listExamples({ datasetId: dataset.id, metadata: { source: "cli" } }),
    );
    expect(byMetadata.map((e) => e.inputs.text)).toEqual(["pin blocked"]);

    const read = await client.readDataset({ datasetId: dataset.id });
    expect(read.example_count).toBe(3);

    await client.deleteExample(created[1]!.id);
    expect((await collect(client.listExamples({ datasetId: dataset.id }))).map((e) => e.inputs.text)).toEqual(
      ["card not here", "refund please"],
    );
    await expect(client.readExample(created[1]!.id)).rejects.toThrow(/not found/i);
  });

  it("answers a taken dataset name with 409 and an example without inputs with 422", async () => {
    const client = fixture.client();
    await client.createDataset("dupe");
    await expect(client.createDataset("dupe")).rejects.toThrow(/409|already exists/);
    const dataset = await client.readDataset({ datasetName: "dupe" });
    const form = new FormData();
    const id = crypto.randomUUID();
    form.append(`${id}.outputs`, new Blob([JSON.stringify({ a: 1 })], { type: "application/json" }));
    const response = await request(fixture.studio, "POST", `/v1/platform/datasets/${dataset.id}/examples`, {
      body: form,
    });
    expect(response.status).toBe(422);
    expect((response.body as { detail: string }).detail).toMatch(/needs inputs/);
  });

  it("answers an example id that already exists with 409 naming it, and keeps the stored example", async () => {
    const client = fixture.client();
    const dataset = await client.createDataset("taken-ids");
    const other = await client.createDataset("taken-ids-other");
    const exampleId = crypto.randomUUID();
    await client.createExample({ text: "first" }, { label: "a" }, { datasetId: dataset.id, exampleId });
    for (const datasetId of [dataset.id, other.id]) {
      await expect(
        client.createExample({ text: "second" }, { label: "b" }, { datasetId, exampleId }),
      ).rejects.toThrow(new RegExp(`409.*Example ${exampleId} already exists`));
    }
    // A batch with the taken id adds none of its examples.
    await expect(
      client.createExamples([
        { dataset_id: dataset.id, inputs: { text: "fresh" } },
        { dataset_id: dataset.id, id: exampleId, inputs: { text: "third" } },
      ]),
    ).rejects.toThrow(/409/);
    const stored = await client.readExample(exampleId);
    expect(stored).toMatchObject({
      dataset_id: dataset.id,
      inputs: { text: "first" },
      outputs: { label: "a" },
    });
    expect((await collect(client.listExamples({ datasetId: dataset.id }))).map((e) => e.id)).toEqual([
      exampleId,
    ]);
    // Changing it is what updateExample is for.
    await client.updateExample(exampleId, { dataset_id: dataset.id, inputs: { text: "changed" } });
    expect((await client.readExample(exampleId)).inputs).toEqual({ text: "changed" });
  });

  it("exports chat and LLM examples as OpenAI fine-tuning lines (readDatasetOpenaiFinetuning)", async () => {
    const client = fixture.client();
    const chat = await client.createDataset("support-chat-ft", { dataType: "chat" });
    await client.createChatExample(
      [
        { role: "system", content: "Be brief." },
        { type: "human", data: { content: "Hours?" } },
      ],
      { type: "ai", data: { content: "9 to 5." } },
      { datasetId: chat.id },
    );
    await client.createLLMExample("Say hi", "hi", { datasetId: chat.id });
    expect(await client.readDatasetOpenaiFinetuning({ datasetName: "support-chat-ft" })).toEqual([
      {
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Hours?" },
          { role: "assistant", content: "9 to 5." },
        ],
      },
      {
        messages: [
          { role: "user", content: "Say hi" },
          { role: "assistant", content: "hi" },
        ],
      },
    ]);

    const kv = await client.createDataset("kv-ft");
    await client.createExamples({ datasetId: kv.id, inputs: [{ q: "a" }], outputs: [{ a: "b" }] });
    await expect(client.readDatasetOpenaiFinetuning({ datasetId: kv.id })).rejects.toThrow(
      /\[422\].*cannot be exported for OpenAI fine-tuning/,
    );
  });

  it("gives listExamples and listDatasets all the items a limit over 100 asks for (a short page ended the listing)", async () => {
    const client = fixture.client();
    const dataset = await client.createDataset("many-examples");
    const inputs = Array.from({ length: 130 }, (_, i) => ({ i }));
    await client.createExamples({ datasetId: dataset.id, inputs, outputs: inputs });
    expect(await collect(client.listExamples({ datasetId: dataset.id, limit: 110 }))).toHaveLength(110);
    expect(await collect(client.listExamples({ datasetId: dataset.id, limit: 500 }))).toHaveLength(130);
    for (let i = 0; i < 105; i++) await client.createDataset(`bulk-${i}`);
    const datasets = await collect(client.listDatasets({ limit: 150, datasetNameContains: "bulk-" }));
    expect(datasets).toHaveLength(105);
    await expect(collect(client.listExamples({ datasetId: dataset.id, limit: 5000 }))).rejects.toThrow(
      /\[422\].*must be at most 1000.*page with/,
    );
  });
});
