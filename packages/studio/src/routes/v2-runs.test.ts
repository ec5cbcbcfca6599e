import { RunTree } from "langsmith";
import { beforeAll, describe, expect, it } from "vitest";
import { collect, request, useStudio } from "../studio-fixture.case.ts";

const fixture = useStudio();
const PROJECT = "v2-proj";

/** One conversation turn: a chain root with an LLM child that used tokens, in thread `thread`. */
async function turn(
  client: ReturnType<typeof fixture.client>,
  thread: string,
  question: string,
  error?: string,
) {
  const root = new RunTree({
    name: "chat",
    run_type: "chain",
    inputs: { question },
    project_name: PROJECT,
    client,
    metadata: { thread_id: thread },
  });
  const llm = root.createChild({ name: "model", run_type: "llm", inputs: { question } });
  await root.postRun();
  await llm.postRun();
  await llm.end({ usage_metadata: { input_tokens: 10, output_tokens: 5, total_tokens: 15 } });
  await llm.patchRun();
  await root.end({ answer: `re: ${question}` }, error);
  await root.patchRun();
  return { root: root.id, llm: llm.id };
}

describe("v2 runs, traces and threads through the SDK's resource clients", () => {
  const turns: { root: string; llm: string }[] = [];
  let projectId = "";

  beforeAll(async () => {
    const client = fixture.client();
    turns.push(await turn(client, "conv-a", "hello"));
    turns.push(await turn(client, "conv-a", "and then?"));
    turns.push(await turn(client, "conv-b", "other", "boom"));
    await client.awaitPendingTraceBatches();
    projectId = (await client.readProject({ projectName: PROJECT })).id;
  });

  it("runs.query pages runs of a project with only the selected fields, as listRuns does", async () => {
    const client = fixture.client();
    const runs = await collect(
      client.runs.query({
        project_ids: [projectId],
        is_root: true,
        selects: ["NAME", "RUN_TYPE", "STATUS", "THREAD_ID"],
        page_size: 2,
      }),
    );
    expect(runs.map((r) => r.id).sort()).toEqual(turns.map((t) => t.root).sort());
    expect(runs[0]).toMatchObject({ name: "chat", run_type: "CHAIN" });
    expect(Object.keys(runs[0]!).sort()).toEqual(["id", "name", "run_type", "status", "thread_id"]);
    const errored = await collect(
      client.runs.query({ project_ids: [projectId], has_error: true, selects: ["ERROR", "STATUS"] }),
    );
    expect(errored).toEqual([{ id: turns[2]!.root, error: "boom", status: "ERROR" }]);
    const v1 = await collect(client.listRuns({ projectId, isRoot: true }));
    expect(v1.map((r) => r.id).sort()).toEqual(runs.map((r) => r.id).sort());
  });

  it("runs.retrieve reads one run with its own or its subtree's tokens", async () => {
    const client = fixture.client();
    const run = await client.runs.retrieve(turns[0]!.llm, {
      project_id: projectId,
      selects: ["NAME", "TOTAL_TOKENS", "TRACE_ID", "IS_ROOT", "PARENT_RUN_IDS", "METADATA"],
    });
    expect(run).toMatchObject({ name: "model", total_tokens: 15, trace_id: turns[0]!.root, is_root: false });
    expect(run.parent_run_ids).toEqual([turns[0]!.root]);
    const subtree = await collect(
      client.runs.query({
        project_ids: [projectId],
        ids: [turns[0]!.root],
        selects: ["TOTAL_TOKENS"],
        include_subtree_usage: true,
      }),
    );
    expect(subtree[0]?.total_tokens).toBe(15);
    expect((await client.readRun(turns[0]!.llm)).name).toBe("model");
  });

  it("traces.query lists root runs with aggregates, and traces.listRuns a trace's runs", async () => {
    const client = fixture.client();
    const traces = await collect(client.traces.query({ project_id: projectId, selects: ["NAME"] }));
    expect(traces).toHaveLength(3);
    expect(traces[0]?.trace_aggregates?.total_tokens).toBe(15);
    const runs = await client.traces.listRuns(turns[1]!.root, { project_id: projectId, selects: ["NAME"] });
    expect(runs.items?.map((r) => r.name)).toEqual(["chat", "model"]);
  });

  it("threads.query groups turns by metadata thread_id; listTraces and stats read one thread", async () => {
    const client = fixture.client();
    const threads = await collect(client.threads.query({ project_id: projectId }));
    const a = threads.find((t) => t.thread_id === "conv-a");
    expect(threads.map((t) => t.thread_id).sort()).toEqual(["conv-a", "conv-b"]);
    expect(a).toMatchObject({
      count: 2,
      total_tokens: 30,
      num_errored_turns: 0,
      first_trace_id: turns[0]!.root,
    });
    expect(threads.find((t) => t.thread_id === "conv-b")?.last_error).toBe("boom");
    const traces = await collect(client.threads.listTraces("conv-a", { project_id: projectId }));
    expect(traces.map((t) => [t.trace_id, t.turn_number])).toEqual([
      [turns[0]!.root, 1],
      [turns[1]!.root, 2],
    ]);
    const stats = await client.threads.stats("conv-a", {
      session_id: projectId,
      selects: ["TURNS", "TOTAL_TOKENS"],
    });
    expect(stats).toEqual({ turns: 2, total_tokens: 30 });
    const all = await client.threads.aggregateStats({
      project_id: projectId,
      select: ["THREAD_COUNT", "TRACE_COUNT", "ERROR_RATE"],
    });
    expect(all).toEqual({ thread_count: 2, trace_count: 3, error_rate: 1 / 3 });
    const v1 = await client.listThreads({ projectId });
    expect(v1.map((t) => t.thread_id).sort()).toEqual(["conv-a", "conv-b"]);
  });

  it("refuses a parameter it does not honour instead of returning unfiltered runs", async () => {
    const answer = await request(fixture.studio, "POST", "/api/v2/runs/query", {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ project_ids: [projectId], ai_search: "angry users" }),
    });
    expect(answer.status).toBe(422);
    expect((answer.body as { detail: string }).detail).toContain('"ai_search"');
    const v1 = await request(fixture.studio, "POST", "/runs/query", {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ session: [projectId], data_source_type: "historical" }),
    });
    expect(v1.status).toBe(422);
    expect((v1.body as { detail: string }).detail).toContain('"data_source_type"');
  });
});
