/*
 * Datasets end to end in one process: files read by `@catena/core/datasets`, pushed, changed,
 * pulled and built from traces through the real `langsmith` SDK over HTTP against a studio started
 * here on a free port.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cascade, code, defineChain, run } from "@catena/core";
import {
  CONTENT_HASH_METADATA_KEY,
  datasetFromTraces,
  listDatasets,
  pullDataset,
  pushDataset,
  readDatasetFile,
  resolveDataset,
} from "@catena/core/datasets";
import { feedback, langsmithTracer, traceClient } from "@catena/core/tracing";
import { startStudio } from "@catena/studio";
import { Client, type Example } from "langsmith";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";

let dir: string;
let studio: Awaited<ReturnType<typeof startStudio>>;
let sdk: Client;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "catena-datasets-"));
  studio = await startStudio({ port: 0, dbPath: join(dir, "studio.db") });
  sdk = new Client({ apiUrl: studio.url, apiKey: "test" });
});

afterAll(async () => {
  await studio?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const LOST = {
  inputs: { text: "my card is lost" },
  outputs: { label: "card" },
  split: "dev",
  metadata: { src: "web" },
};
const PIN = { inputs: { text: "pin blocked" }, outputs: { label: "pin" }, split: ["test", "hard"] };
const LINES = [LOST, PIN, { inputs: { text: "hello" }, metadata: { unlabelled: true } }];

async function jsonl(name: string, lines: readonly object[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
  return path;
}

async function remoteExamples(datasetId: string): Promise<Example[]> {
  const out: Example[] = [];
  for await (const e of sdk.listExamples({ datasetId })) out.push(e as Example);
  return out;
}

describe("pushDataset and pullDataset", () => {
  it("creates the dataset with its examples, splits, metadata and content hash", async () => {
    const ds = readDatasetFile(await jsonl("intents.jsonl", LINES));
    const pushed = await pushDataset(sdk, ds);
    expect(pushed).toMatchObject({ status: "created", added: 3, updated: 0, removed: 0 });
    const remote = await sdk.readDataset({ datasetName: "intents" });
    expect(remote.id).toBe(pushed.datasetId);
    expect((remote as { extra?: { metadata?: object } }).extra?.metadata).toMatchObject({
      [CONTENT_HASH_METADATA_KEY]: ds.contentHash,
    });
    const examples = await remoteExamples(remote.id);
    const lost = examples.find((e) => e.inputs.text === "my card is lost");
    expect(lost?.id).toBe(pushed.exampleIds.get(ds.examples[0]?.id ?? ""));
    expect(lost?.outputs).toEqual({ label: "card" });
    expect(lost?.metadata).toMatchObject({ src: "web", dataset_split: ["dev"] });
    expect(await sdk.listDatasetSplits({ datasetId: remote.id })).toEqual(
      expect.arrayContaining(["dev", "test", "hard"]),
    );
  });

  it("writes nothing when the same file is pushed again", async () => {
    const ds = readDatasetFile(join(dir, "intents.jsonl"));
    const methods: string[] = [];
    // The real fetch, with the HTTP method of each request the SDK makes written down.
    const counting = new Client({
      apiUrl: studio.url,
      apiKey: "test",
      fetchImplementation: (...[input, init]: Parameters<typeof fetch>) => {
        methods.push(init?.method ?? "GET");
        return fetch(input, init);
      },
    });
    const before = await sdk.readDataset({ datasetName: "intents" });
    const again = await pushDataset(counting, ds);
    expect(again).toMatchObject({ status: "unchanged", added: 0, updated: 0, removed: 0, unchanged: 3 });
    expect(methods.length).toBeGreaterThan(0);
    expect(methods.filter((m) => m !== "GET")).toEqual([]);
    expect((await sdk.readDataset({ datasetName: "intents" })).modified_at).toBe(before.modified_at);
  });

  it("adds new examples, updates changed ones and soft-deletes removed ones", async () => {
    const changed = [
      { ...LOST, split: "train" }, // same inputs and outputs, other split: updated in place
      PIN,
      { inputs: { text: "where is my money" }, outputs: { label: "transfer" } }, // new
      // "hello" is gone: deleted
    ];
    const ds = readDatasetFile(await jsonl("intents.jsonl", changed));
    const pushed = await pushDataset(sdk, ds);
    expect(pushed).toMatchObject({ status: "updated", added: 1, updated: 1, removed: 1, unchanged: 1 });
    const examples = await remoteExamples(pushed.datasetId);
    expect(examples.map((e) => e.inputs.text).sort()).toEqual([
      "my card is lost",
      "pin blocked",
      "where is my money",
    ]);
    expect(examples.find((e) => e.inputs.text === "my card is lost")?.metadata).toMatchObject({
      src: "web",
      dataset_split: ["train"],
    });
    const listed = await listDatasets(sdk);
    expect(listed.find((d) => d.name === "intents")).toMatchObject({
      exampleCount: 3,
      contentHash: ds.contentHash,
    });
  });

  it("round-trips file → push → pull → file with ids, splits, metadata and hash", async () => {
    const source = readDatasetFile(join(dir, "intents.jsonl"));
    const out = join(dir, "pulled.jsonl");
    const pulled = await pullDataset(sdk, "intents", out);
    expect(pulled.contentHash).toBe(source.contentHash);
    expect(pulled.remote?.id).toBeDefined();
    const back = readDatasetFile(out);
    expect(back.contentHash).toBe(source.contentHash);
    expect(back.examples.map((e) => e.id).sort()).toEqual(pulled.examples.map((e) => e.id).sort());
    expect(back.examples.find((e) => e.inputs.text === "pin blocked")).toMatchObject({
      outputs: { label: "pin" },
      splits: ["hard", "test"],
    });
    // The pulled file pushes back as unchanged: its ids are the LangSmith ones.
    expect((await pushDataset(sdk, back, { name: "intents" })).status).toBe("unchanged");
    const text = await readFile(out, "utf8");
    expect(text.trim().split("\n")).toHaveLength(3);
  });

  it("refuses a version the backend does not have rather than giving the latest examples", async () => {
    await expect(pullDataset(sdk, "intents@no-such-tag")).rejects.toMatchObject({
      code: "DATASET_NOT_FOUND",
      message: expect.stringContaining('has no version "no-such-tag"'),
    });
  });

  it("resolves a path to the file and anything else to the dataset of that name", async () => {
    const fromFile = await resolveDataset(join(dir, "intents.jsonl"), { client: sdk });
    expect(fromFile.remote).toBeUndefined();
    const fromBackend = await resolveDataset("intents", { client: sdk });
    expect(fromBackend.remote?.id).toBeDefined();
    expect(fromBackend.contentHash).toBe(fromFile.contentHash);
    await expect(resolveDataset("no-such-dataset", { client: sdk })).rejects.toMatchObject({
      code: "DATASET_NOT_FOUND",
    });
    await expect(resolveDataset("data/missing.jsonl", { client: sdk })).rejects.toThrow(
      "No file data/missing.jsonl",
    );
  });
});

describe("datasetFromTraces", () => {
  const triage = defineChain({
    name: "mini-triage",
    version: "1.2.0",
    input: z.object({ text: z.string() }),
    output: z.object({ queue: z.string(), urgent: z.boolean() }),
    flow: code("route", (input: { text: string }) => {
      if (input.text.includes("boom")) throw new Error("exploded");
      return { queue: input.text.includes("refund") ? "billing" : "general", urgent: false };
    }),
  });
  const runIds: Record<string, string> = {};

  beforeAll(async () => {
    const tracer = langsmithTracer({ apiUrl: studio.url, apiKey: "test", project: "triage" });
    for (const text of ["refund my order", "charged twice", "boom"]) {
      runIds[text] = (await run(triage, { text }, { tracer })).runId;
    }
    await tracer.flush();
    tracer.close();
    // As a person correcting the answer in the studio or with `catena feedback` would.
    await feedback(
      runIds["charged twice"] ?? "",
      { key: "correctness", score: 0, correction: { queue: "billing" } },
      { client: traceClient({ apiUrl: studio.url }) },
    );
  });

  it("makes examples from root runs, with a feedback correction as the reference output", async () => {
    const ds = await datasetFromTraces(sdk, {
      name: "triage-fixes",
      project: "triage",
      filter: 'eq(name, "mini-triage")',
      splits: ["from-traces"],
    });
    expect(ds.skipped).toBe(1); // the run that errored
    expect(ds.corrected).toBe(1);
    const byText = new Map(ds.examples.map((e) => [e.inputs.text, e]));
    expect([...byText.keys()].sort()).toEqual(["charged twice", "refund my order"]);
    expect(byText.get("charged twice")).toMatchObject({
      id: runIds["charged twice"],
      outputs: { queue: "billing", urgent: false },
      splits: ["from-traces"],
      metadata: {
        source_run_id: runIds["charged twice"],
        chain: "mini-triage",
        chain_version: "1.2.0",
        corrected: true,
      },
    });
    expect(byText.get("refund my order")?.outputs).toMatchObject({ queue: "billing" });
    const withErrors = await datasetFromTraces(sdk, { name: "all", project: "triage", includeErrors: true });
    expect(withErrors.examples).toHaveLength(3);
    const none = await datasetFromTraces(sdk, {
      name: "none",
      project: "triage",
      filter: 'eq(name, "other")',
    });
    expect(none.examples).toEqual([]);
  });

  it("gives a corrected deferred run the correction alone as its reference output, not the deferral record", async () => {
    const unsure = defineChain({
      name: "unsure-triage",
      version: "1.0.0",
      input: z.object({ text: z.string() }),
      output: z.object({ label: z.string() }),
      flow: cascade(
        "intent",
        [{ step: code("guess", () => ({ label: "general", confidence: 0.2 })), threshold: 0.9 }],
        { onExhausted: "deferred" },
      ),
    });
    const tracer = langsmithTracer({ apiUrl: studio.url, apiKey: "test", project: "deferrals" });
    const corrected = await run(unsure, { text: "where is my refund" }, { tracer });
    const left = await run(unsure, { text: "hmm" }, { tracer });
    expect(corrected.status).toBe("deferred");
    await tracer.flush();
    tracer.close();
    // The person the run was deferred to answers it, as the page's correction editor would.
    await feedback(
      corrected.runId,
      { key: "correctness", score: 0, correction: { label: "billing" } },
      { client: traceClient({ apiUrl: studio.url }) },
    );
    const ds = await datasetFromTraces(sdk, {
      name: "deferrals",
      project: "deferrals",
      chain: "unsure-triage",
    });
    const byRun = new Map(ds.examples.map((e) => [e.id, e]));
    expect(ds.corrected).toBe(1);
    expect(byRun.get(corrected.runId)?.outputs).toEqual({ label: "billing" });
    // Not corrected: no answer to learn from, so no reference output (as for a run that errored).
    expect(byRun.get(left.runId)).toBeDefined();
    expect(byRun.get(left.runId)?.outputs).toBeUndefined();
  });
});
