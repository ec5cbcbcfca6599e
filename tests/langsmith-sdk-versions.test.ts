/*
 * The studio against the langsmith JS SDKs users have, not only the one in our lockfile: each
 * version (tests/support/langsmith-sdks.ts) traces, reads, gives feedback, builds a dataset, runs
 * an evaluation and files runs for review through its public Client API, over HTTP, against one
 * studio. What an older SDK calls that a newer one does not (JSON example routes, comma-joined
 * run ids, `child_run_ids`) is covered here.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningStudio, startStudio } from "@catena/studio";
import type { Client, Run } from "langsmith-0.1";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type LangsmithSdk, langsmithSdks } from "./support/langsmith-sdks.ts";

let dir: string;
let studio: RunningStudio;
const savedTracing = process.env.LANGSMITH_TRACING;

beforeAll(async () => {
  // traceable sends nothing without it, in every version.
  process.env.LANGSMITH_TRACING = "true";
  dir = await mkdtemp(join(tmpdir(), "catena-sdk-versions-"));
  studio = await startStudio({ port: 0, dbPath: join(dir, "studio.db") });
});

afterAll(async () => {
  await studio?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  if (savedTracing === undefined) delete process.env.LANGSMITH_TRACING;
  else process.env.LANGSMITH_TRACING = savedTracing;
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe.each(langsmithSdks)("langsmith $version against the studio", (sdk: LangsmithSdk) => {
  const tag = `v${sdk.version.replaceAll(".", "-")}-${randomUUID().slice(0, 8)}`;
  const project = `proj-${tag}`;
  let client: Client;
  let rootId = "";
  // The SDK reports failed uploads and reads it retried by logging, not by throwing.
  let logged: string[] = [];

  beforeEach(() => {
    logged = [];
    for (const level of ["warn", "error"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        const line = args.map(String).join(" ");
        if (!/deprecat/i.test(line)) logged.push(line);
      });
    }
  });
  afterEach(() => {
    vi.restoreAllMocks();
    expect(logged).toEqual([]);
  });

  beforeAll(async () => {
    client = new sdk.Client({ apiUrl: studio.url, apiKey: "test" });
    const child = sdk.traceable(async (x: number) => ({ y: x * 2 }), {
      name: "child",
      run_type: "llm",
      client,
      project_name: project,
    });
    const mid = sdk.traceable(async (x: number) => child(x), { name: "mid", client, project_name: project });
    const root = sdk.traceable(async (x: number) => mid(x), {
      name: "root",
      client,
      project_name: project,
      tags: ["t1"],
      on_end: (tree) => {
        rootId = tree.id;
      },
    });
    await root(21);
    await client.awaitPendingTraceBatches();
  });

  it("reads a traced tree back: readRun with its child runs, listRuns by filter, tree and trace", async () => {
    const run = await client.readRun(rootId, { loadChildRuns: true });
    expect(run).toMatchObject({ name: "root", outputs: { y: 42 } });
    expect(run.child_runs?.map((r) => r.name)).toEqual(["mid"]);
    expect(run.child_runs?.[0]?.child_runs?.map((r) => r.name)).toEqual(["child"]);

    const names = (runs: Run[]) => runs.map((r) => r.name).sort();
    expect(names(await collect(client.listRuns({ traceId: rootId })))).toEqual(["child", "mid", "root"]);
    expect(names(await collect(client.listRuns({ projectName: project, runType: "llm" })))).toEqual([
      "child",
    ]);
    expect(
      names(await collect(client.listRuns({ projectName: project, filter: 'eq(name, "mid")' }))),
    ).toEqual(["mid"]);
    const byTree = await collect(
      client.listRuns({ projectName: project, isRoot: true, treeFilter: 'eq(name, "child")' }),
    );
    expect(byTree.map((r) => r.id)).toEqual([rootId]);
    expect(
      await collect(client.listRuns({ projectName: project, traceFilter: 'has(tags, "t1")' })),
    ).toHaveLength(3);
    const stats = await client.getRunStats({ projectNames: [project] });
    expect(stats).toMatchObject({ run_count: 3 });
  });

  it("sends runs one by one (createRun/updateRun) and as a RunTree, with an attachment where it can", async () => {
    const plain = new sdk.Client({ apiUrl: studio.url, apiKey: "test", autoBatchTracing: false });
    const id = randomUUID();
    await plain.createRun({
      id,
      name: "manual",
      run_type: "llm",
      inputs: { q: "hi" },
      project_name: project,
    });
    await plain.updateRun(id, { outputs: { a: "yo" }, end_time: Date.now() });
    expect(await plain.readRun(id)).toMatchObject({ outputs: { a: "yo" }, status: "success" });

    const config = {
      name: "tree",
      inputs: { a: 1 },
      client,
      project_name: project,
      ...(sdk.attachments
        ? { attachments: { note: ["text/plain", new TextEncoder().encode("hello")] as const } }
        : {}),
    };
    const tree = new sdk.RunTree(config);
    await tree.postRun();
    const leaf = tree.createChild({ name: "leaf", run_type: "tool", inputs: { b: 2 } });
    await leaf.postRun();
    await leaf.end({ c: 3 });
    await leaf.patchRun();
    await tree.end({ d: 4 });
    await tree.patchRun();
    await client.awaitPendingTraceBatches();
    const read = (await client.readRun(tree.id, { loadChildRuns: true })) as Run & {
      s3_urls?: Record<string, { presigned_url: string }>;
    };
    expect(read).toMatchObject({ outputs: { d: 4 }, child_runs: [{ name: "leaf", outputs: { c: 3 } }] });
    if (sdk.attachments) {
      const url = read.s3_urls?.["attachment.note"]?.presigned_url ?? "";
      expect(await (await fetch(url)).text()).toBe("hello");
    }
  });

  it("creates, lists, updates and deletes feedback, and takes feedback through a presigned token", async () => {
    const fb = await client.createFeedback(rootId, "correct", { score: 1, comment: "good" });
    await client.updateFeedback(fb.id, { score: 0, comment: "meh" });
    expect(await client.readFeedback(fb.id)).toMatchObject({ score: 0, comment: "meh" });
    const token = await client.createPresignedFeedbackToken(rootId, "thumbs");
    const answer = await fetch(token.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ score: 1 }),
    });
    expect(answer.status).toBe(200);
    expect((await collect(client.listFeedback({ runIds: [rootId] }))).map((f) => f.key).sort()).toEqual([
      "correct",
      "thumbs",
    ]);
    await client.deleteFeedback(fb.id);
    expect(await collect(client.listFeedback({ runIds: [rootId], feedbackKeys: ["correct"] }))).toEqual([]);
  });

  it("builds a dataset example by example and in bulk, changes and deletes examples, and evaluates on it", async () => {
    const name = `ds-${tag}`;
    const dataset = await client.createDataset(name, { description: "d1" });
    expect(await client.readDataset({ datasetName: name })).toMatchObject({
      id: dataset.id,
      description: "d1",
    });
    expect(await collect(client.listDatasets({ datasetNameContains: tag }))).toHaveLength(1);

    const one = await client.createExample(
      { q: "2+2" },
      { a: "4" },
      { datasetId: dataset.id, metadata: { k: 1 } },
    );
    expect(await client.readExample(one.id)).toMatchObject({ inputs: { q: "2+2" }, metadata: { k: 1 } });
    const many = await client.createExamples({
      inputs: [{ q: "1+1" }, { q: "3+3" }],
      outputs: [{ a: "2" }, { a: "6" }],
      datasetId: dataset.id,
    });
    expect(many.map((e) => e.inputs)).toEqual([{ q: "1+1" }, { q: "3+3" }]);
    const [two, three] = many.map((e) => e.id);
    await client.updateExample(one.id, { inputs: { q: "2+2?" }, outputs: { a: "four" } });
    await client.updateExamples([{ id: two as string, inputs: { q: "1+1?" } }]);
    expect(await client.readExample(one.id)).toMatchObject({ inputs: { q: "2+2?" }, outputs: { a: "four" } });
    expect(await client.readExample(two as string)).toMatchObject({ inputs: { q: "1+1?" } });
    expect(
      await collect(client.listExamples({ datasetId: dataset.id, exampleIds: [one.id, two as string] })),
    ).toHaveLength(2);
    await client.deleteExample(three as string);
    expect(await collect(client.listExamples({ datasetId: dataset.id }))).toHaveLength(2);

    const results = await sdk.evaluate(async (inputs) => ({ length: String(inputs.q).length }), {
      data: name,
      evaluators: [(run: Run) => ({ key: "answered", score: run.outputs?.length === undefined ? 0 : 1 })],
      client,
      experimentPrefix: "exp",
    });
    await client.awaitPendingTraceBatches();
    expect(results.results).toHaveLength(2);
    const [experiment] = await collect(client.listProjects({ referenceDatasetId: dataset.id }));
    const runs = await collect(client.listRuns({ projectId: experiment?.id ?? "none", isRoot: true }));
    expect(runs).toHaveLength(2);
    const scores = await collect(
      client.listFeedback({ runIds: runs.map((r) => r.id), feedbackKeys: ["answered"] }),
    );
    expect(scores.map((f) => f.score)).toEqual([1, 1]);
  });

  it("creates, reads, updates and deletes a project", async () => {
    const name = `p-${tag}`;
    const created = await client.createProject({ projectName: name, description: "pd" });
    expect(await client.readProject({ projectName: name })).toMatchObject({ id: created.id });
    expect((await client.createProject({ projectName: name, upsert: true })).id).toBe(created.id);
    await client.updateProject(created.id, { name, description: "pd2" });
    expect(await client.readProject({ projectId: created.id })).toMatchObject({ description: "pd2" });
    await client.deleteProject({ projectName: name });
    expect(await client.hasProject({ projectName: name })).toBe(false);
  });

  it("files runs in an annotation queue and takes them out", async () => {
    const queue = await client.createAnnotationQueue({ name: `q-${tag}`, description: "qd" });
    await client.addRunsToAnnotationQueue(queue.id, [rootId]);
    expect(await client.readAnnotationQueue(queue.id)).toMatchObject({ name: `q-${tag}` });
    expect(await client.getRunFromAnnotationQueue(queue.id, 0)).toMatchObject({ id: rootId });
    await client.deleteAnnotationQueue(queue.id);
    expect(await collect(client.listAnnotationQueues({ name: `q-${tag}` }))).toEqual([]);
  });
});

// Similar-example search (`similarExamples`, `indexDataset`) is in the SDKs before 0.4 only.
const withSimilarSearch = langsmithSdks.filter((sdk) => "similarExamples" in sdk.Client.prototype);

describe.each(withSimilarSearch)("langsmith $version's similar-example search against the studio", (sdk) => {
  it("fails at once with an error that names the feature and the way around it", async () => {
    expect(withSimilarSearch.map((s) => s.version.split(".").slice(0, 2).join("."))).toEqual(["0.1", "0.3"]);
    const client = new sdk.Client({ apiUrl: studio.url, apiKey: "test" });
    const dataset = await client.createDataset(`similar-${sdk.version}-${randomUUID().slice(0, 8)}`);
    await client.createExample({ q: "where is my card" }, { a: "card_arrival" }, { datasetId: dataset.id });
    const started = performance.now();
    // It was a 404 "No endpoint POST /datasets/…/search", which reads as a wrong id or URL.
    await expect(client.similarExamples({ q: "my card has not come" }, dataset.id, 2)).rejects.toThrow(
      /\[501\].*Similar-example search \(the SDK's similarExamples.*does not have.*listExamples/,
    );
    await expect(client.indexDataset({ datasetId: dataset.id })).rejects.toThrow(
      /\[501\].*the SDK's indexDataset.*does not have/,
    );
    // Answered, not retried: the SDKs retry 5xx statuses but 501.
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
