import { RunTree } from "langsmith";
import { traceable } from "langsmith/traceable";
import { describe, expect, it } from "vitest";
import { collect, useStudio } from "../studio-fixture.case.ts";

const fixture = useStudio();

describe("tracing through the langsmith SDK", () => {
  it("stores a traceable trace with its nesting, parents and dotted order", async () => {
    const client = fixture.client();
    const child = traceable(async (x: number) => x * 2, {
      name: "child",
      client,
      project_name: "traceable-proj",
    });
    const parent = traceable(async (x: number) => (await child(x)) + 1, {
      name: "parent",
      client,
      project_name: "traceable-proj",
      tags: ["t1"],
      metadata: { chain: "demo" },
    });
    const root = traceable(async (x: number) => parent(x), {
      name: "root",
      client,
      project_name: "traceable-proj",
    });
    expect(await root(20)).toBe(41);
    await client.awaitPendingTraceBatches();

    const [rootRun] = await collect(client.listRuns({ projectName: "traceable-proj", isRoot: true }));
    expect(rootRun?.name).toBe("root");
    expect(rootRun?.inputs).toEqual({ input: 20 });
    expect(rootRun?.outputs).toEqual({ outputs: 41 });
    expect(rootRun?.status).toBe("success");

    const tree = await client.readRun(rootRun!.id, { loadChildRuns: true });
    const parentRun = tree.child_runs?.[0];
    const childRun = parentRun?.child_runs?.[0];
    expect(parentRun?.name).toBe("parent");
    expect(parentRun?.tags).toEqual(["t1"]);
    expect(parentRun?.extra?.metadata?.chain).toBe("demo");
    expect(childRun?.name).toBe("child");
    expect(childRun?.parent_run_id).toBe(parentRun?.id);
    expect(childRun?.trace_id).toBe(rootRun?.id);
    expect(childRun?.dotted_order?.startsWith(`${parentRun?.dotted_order}.`)).toBe(true);
    expect(childRun?.outputs).toEqual({ outputs: 40 });
  });

  it("stores RunTree runs whose end arrives in a later batch, and records errors", async () => {
    const client = fixture.client();
    const root = new RunTree({
      name: "pipeline",
      run_type: "chain",
      inputs: { text: "hi" },
      client,
      project_name: "runtree-proj",
    });
    await root.postRun();
    const step = root.createChild({ name: "llm-step", run_type: "llm", inputs: { prompt: "p" } });
    await step.postRun();
    await client.awaitPendingTraceBatches();
    await step.end({ output: "x", usage_metadata: { input_tokens: 7, output_tokens: 3, total_tokens: 10 } });
    await step.patchRun();
    const failing = root.createChild({ name: "failing", run_type: "tool", inputs: {} });
    await failing.postRun();
    await failing.end(undefined, "Error: boom");
    await failing.patchRun();
    await root.end({ answer: 42 });
    await root.patchRun();
    await client.awaitPendingTraceBatches();

    const stored = await client.readRun(root.id, { loadChildRuns: true });
    expect(stored.outputs).toEqual({ answer: 42 });
    expect(stored.end_time).toBeTruthy();
    expect(stored.total_tokens).toBe(10);
    const byName = Object.fromEntries((stored.child_runs ?? []).map((r) => [r.name, r]));
    expect(byName["llm-step"]?.outputs).toMatchObject({ output: "x" });
    expect(byName["llm-step"]?.prompt_tokens).toBe(7);
    expect(byName.failing?.status).toBe("error");
    expect(byName.failing?.error).toBe("Error: boom");
    const errors = await collect(client.listRuns({ projectName: "runtree-proj", error: true }));
    expect(errors.map((r) => r.name)).toEqual(["failing"]);
  });

  it("takes JSON batches from a client that asks for them with x-catena-ingest: json", async () => {
    const seen: string[] = [];
    const client = fixture.client({
      headers: { "x-catena-ingest": "json" },
      fetchImplementation: async (input: string | URL | Request, init?: RequestInit) => {
        const url = String(input instanceof Request ? input.url : input);
        seen.push(`${init?.method ?? "GET"} ${new URL(url).pathname}`);
        return fetch(input, init);
      },
    });
    const fn = traceable(async () => "ok", { name: "batched", client, project_name: "batch-proj" });
    await fn();
    await client.awaitPendingTraceBatches();
    expect(seen).toContain("POST /runs/batch");
    expect(seen).not.toContain("POST /runs/multipart");
    const runs = await collect(client.listRuns({ projectName: "batch-proj" }));
    expect(runs.map((r) => [r.name, r.outputs])).toEqual([["batched", { outputs: "ok" }]]);
  });

  it("takes single runs on POST /runs and PATCH /runs/{id} and places them in their trace", async () => {
    const client = fixture.client({ autoBatchTracing: false });
    const rootId = crypto.randomUUID();
    const childId = crypto.randomUUID();
    await client.createRun({
      id: rootId,
      name: "manual",
      run_type: "chain",
      inputs: { a: 1 },
      project_name: "manual-proj",
    });
    await client.createRun({
      id: childId,
      name: "manual-child",
      run_type: "tool",
      inputs: {},
      parent_run_id: rootId,
      project_name: "manual-proj",
    });
    await client.updateRun(childId, { outputs: { done: true }, end_time: Date.now() });
    const child = await client.readRun(childId);
    expect(child.trace_id).toBe(rootId);
    expect(child.outputs).toEqual({ done: true });
    expect(child.status).toBe("success");
    const root = await client.readRun(rootId, { loadChildRuns: true });
    expect(root.child_runs?.map((r) => r.id)).toEqual([childId]);
  });
});
