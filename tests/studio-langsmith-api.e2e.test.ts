// A user's script against the studio using only the SDK calls that are not deprecated: trace,
// query runs, traces and threads, share a run, work an annotation queue, manage dataset versions,
// evaluate() and compare two experiments, and read everything back. No deprecation warning and no
// "backend is older" warning may be printed on the way.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStudio } from "@catena/studio";
import { Client } from "langsmith";
import { evaluate, evaluateComparative } from "langsmith/evaluation";
import type { Run } from "langsmith/schemas";
import { traceable } from "langsmith/traceable";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

let dir: string;
let studio: Awaited<ReturnType<typeof startStudio>>;
const warnings: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "catena-studio-api-"));
  studio = await startStudio({ port: 0, dbPath: join(dir, "studio.db"), apiKey: "e2e-key" });
  vi.spyOn(process, "emitWarning").mockImplementation((warning: string | Error) => {
    warnings.push(String(warning));
  });
  const warn = console.warn;
  vi.spyOn(console, "warn").mockImplementation((...args: unknown[]) => {
    if (String(args[0]).includes("[LANGSMITH]")) warnings.push(String(args[0]));
    else warn(...args);
  });
});

afterAll(async () => {
  vi.restoreAllMocks();
  await studio?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe("the studio through the SDK's current (non-deprecated) calls", () => {
  it("traces, queries, shares, reviews, versions datasets, evaluates and compares", async () => {
    const client = new Client({ apiUrl: studio.url, apiKey: "e2e-key" });
    const project = "support-chat";

    // Trace a two-turn conversation and a single turn, as an app would.
    const lookup = traceable(async (q: string) => ({ hits: [q.length] }), {
      name: "lookup",
      run_type: "retriever",
    });
    const turn = (question: string, thread: string) =>
      traceable(
        async (q: string) => {
          await lookup(q);
          return { answer: `re: ${q}` };
        },
        {
          name: "chat",
          project_name: project,
          client,
          tracingEnabled: true,
          metadata: { thread_id: thread },
        },
      )(question);
    await turn("hello", "conv-1");
    await turn("and then?", "conv-1");
    await turn("other", "conv-2");
    await client.awaitPendingTraceBatches();
    const projectId = (await client.readProject({ projectName: project })).id;

    // Runs, traces and threads.
    const roots = await all(
      client.runs.query({
        project_ids: [projectId],
        is_root: true,
        selects: ["NAME", "THREAD_ID", "START_TIME"],
      }),
    );
    expect(roots).toHaveLength(3);
    expect(new Set(roots.map((r) => r.thread_id))).toEqual(new Set(["conv-1", "conv-2"]));
    const traces = await all(client.traces.query({ project_id: projectId, selects: ["NAME"] }));
    expect(traces.map((t) => t.root_run?.name)).toEqual(["chat", "chat", "chat"]);
    const firstTrace = roots.at(-1)!.id!;
    const traceRuns = await client.traces.listRuns(firstTrace, { project_id: projectId, selects: ["NAME"] });
    expect(traceRuns.items?.map((r) => r.name)).toEqual(["chat", "lookup"]);
    const threads = await all(client.threads.query({ project_id: projectId }));
    expect(threads.find((t) => t.thread_id === "conv-1")?.count).toBe(2);
    const turns = await all(client.threads.listTraces("conv-1", { project_id: projectId }));
    expect(turns.map((t) => t.turn_number)).toEqual([1, 2]);

    // Share a run: readable with its token and no key.
    const { share_token } = await client.runs.share.create(firstTrace, {
      session_id: projectId,
      trace_id: firstTrace,
    });
    const shared = await fetch(`${studio.url}/api/v2/public/${share_token}/runs/query`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ selects: ["NAME"] }),
    }).then((r) => r.json() as Promise<{ items: { name: string }[] }>);
    expect(shared.items.map((r) => r.name)).toEqual(["chat", "lookup"]);
    expect((await fetch(`${studio.url}/api/v2/runs/${firstTrace}?project_id=${projectId}`)).status).toBe(401);

    // Work an annotation queue.
    const queue = await client.createAnnotationQueue({ name: "review chats" });
    await client.addRunsToAnnotationQueue(
      queue.id,
      roots.map((r) => ({ runId: r.id!, sessionId: projectId, startTime: r.start_time! })),
    );
    const pending = await all(client.listRunsFromAnnotationQueue(queue.id, { status: "needs_my_review" }));
    expect(pending).toHaveLength(3);
    await client.createFeedback(pending[0]!.id, "rating", { score: 4, sessionId: projectId });
    const queueRunId = (pending[0] as unknown as { queue_run_id: string }).queue_run_id;
    await client.annotationQueues.createRunStatus(queueRunId, { status: "completed" });
    expect(await client.getSizeFromAnnotationQueue(queue.id)).toEqual({ size: 2 });

    // Dataset versions.
    const dataset = await client.createDataset("chat-questions");
    await client.createExamples({
      datasetId: dataset.id,
      inputs: [{ question: "hello" }, { question: "bye" }],
      outputs: [{ answer: "re: hello" }, { answer: "re: bye" }],
    });
    const v1 = await client.readDatasetVersion({ datasetId: dataset.id, asOf: new Date() });
    await client.updateDatasetTag({ datasetId: dataset.id, tag: "v1", asOf: v1.as_of });
    await client.createExamples({
      datasetId: dataset.id,
      inputs: [{ question: "new" }],
      outputs: [{ answer: "re: new" }],
    });
    expect(await all(client.listExamples({ datasetId: dataset.id, asOf: "v1" }))).toHaveLength(2);
    const diff = await client.diffDatasetVersions({
      datasetId: dataset.id,
      fromVersion: "v1",
      toVersion: "latest",
    });
    expect(diff.examples_added).toHaveLength(1);

    // Evaluate two targets on the tagged version and compare them.
    const exactMatch = ({
      outputs,
      referenceOutputs,
    }: {
      outputs?: Record<string, unknown>;
      referenceOutputs?: Record<string, unknown>;
    }) => ({
      key: "exact",
      score: outputs?.answer === referenceOutputs?.answer ? 1 : 0,
    });
    const data = client.listExamples({ datasetId: dataset.id, asOf: "v1" });
    const good = await evaluate((input: { question: string }) => ({ answer: `re: ${input.question}` }), {
      data: await all(data),
      evaluators: [exactMatch],
      client,
      experimentPrefix: "good",
    });
    const bad = await evaluate((input: { question: string }) => ({ answer: input.question }), {
      data: await all(client.listExamples({ datasetId: dataset.id, asOf: "v1" })),
      evaluators: [exactMatch],
      client,
      experimentPrefix: "bad",
    });
    await evaluateComparative([good.experimentName, bad.experimentName], {
      client,
      evaluators: [
        ({ runs }: { runs: Run[] }) => ({
          key: "preferred",
          scores: Object.fromEntries(runs.map((r, i) => [r.id, i === 0 ? 1 : 0])),
        }),
      ],
    });
    await client.awaitPendingTraceBatches();

    // Read the results back.
    const goodProject = await client.readProject({ projectName: good.experimentName, includeStats: true });
    expect(goodProject.run_count).toBeGreaterThan(0);
    expect(goodProject.feedback_stats?.exact).toMatchObject({ n: 2, avg: 1 });
    const badProject = await client.readProject({ projectName: bad.experimentName, includeStats: true });
    expect(badProject.feedback_stats?.exact).toMatchObject({ n: 2, avg: 0 });
    const experimentRuns = await all(
      client.runs.query({
        reference_dataset_id: dataset.id,
        is_root: true,
        selects: ["REFERENCE_EXAMPLE_ID"],
      }),
    );
    expect(experimentRuns).toHaveLength(4);
    expect((await all(client.listFeedback({ feedbackKeys: ["preferred"] }))).length).toBe(4);
    const reviewed = await client.annotationQueues.runs.list(queue.id, { status: "completed" });
    expect(reviewed.map((r) => r.id)).toEqual([pending[0]!.id]);

    expect(warnings).toEqual([]);
  });
});
