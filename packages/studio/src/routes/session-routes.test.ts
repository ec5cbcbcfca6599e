import { AgentAddress } from "langsmith";
import { evaluate } from "langsmith/evaluation";
import { traceable } from "langsmith/traceable";
import { describe, expect, it } from "vitest";
import { collect, request, useStudio } from "../studio-fixture.case.ts";

const fixture = useStudio();

describe("sessions (projects) through the langsmith SDK", () => {
  it("creates, reads, upserts, updates and lists projects, each with the tenant id", async () => {
    const client = fixture.client();
    const created = await client.createProject({
      projectName: "alpha",
      description: "first",
      metadata: { team: "a" },
    });
    expect(created).toMatchObject({
      name: "alpha",
      description: "first",
      extra: { metadata: { team: "a" } },
    });
    expect(typeof created.tenant_id).toBe("string");
    await expect(client.createProject({ projectName: "alpha" })).rejects.toThrow(/409|already exists/);
    const upserted = await client.createProject({ projectName: "alpha", upsert: true });
    expect(upserted.id).toBe(created.id);

    expect((await client.readProject({ projectName: "alpha" })).id).toBe(created.id);
    expect((await client.readProject({ projectId: created.id })).name).toBe("alpha");
    expect(await client.hasProject({ projectName: "nope" })).toBe(false);
    await expect(client.readProject({ projectName: "nope" })).rejects.toThrow(/not found/);

    const updated = await client.updateProject(created.id, {
      description: "renamed",
      endTime: new Date().toISOString(),
    });
    expect(updated).toMatchObject({ id: created.id, description: "renamed", name: "alpha" });
    expect(updated.end_time).toBeTruthy();
    // updateProject sends `"description": null` for a description it was not given (so does
    // evaluate() when it records an experiment's metadata): null keeps it, "" clears it.
    await client.updateProject(created.id, { metadata: { team: "b" } });
    expect(await client.readProject({ projectId: created.id })).toMatchObject({ description: "renamed" });
    await client.updateProject(created.id, { description: "" });
    expect(await client.readProject({ projectId: created.id })).toMatchObject({ description: "" });

    await client.createProject({ projectName: "beta" });
    const names = (await collect(client.listProjects())).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(["alpha", "beta"]));
    expect((await collect(client.listProjects({ nameContains: "ALP" }))).map((p) => p.name)).toEqual([
      "alpha",
    ]);
  });

  it("reports an experiment's summary-evaluator scores as its session_feedback_stats", async () => {
    const client = fixture.client();
    const dataset = await client.createDataset("summary-scores");
    await client.createExamples({
      datasetId: dataset.id,
      inputs: [{ q: "a" }, { q: "b" }],
      outputs: [{ a: "a" }, { a: "x" }],
    });
    const results = await evaluate(async (inputs: { q: string }) => ({ a: inputs.q }), {
      data: dataset.name,
      client,
      evaluators: [
        ({ outputs, referenceOutputs }: { outputs?: { a?: string }; referenceOutputs?: { a?: string } }) => ({
          key: "exact",
          score: outputs?.a === referenceOutputs?.a ? 1 : 0,
        }),
      ],
      summaryEvaluators: [({ runs }: { runs: unknown[] }) => ({ key: "runs", score: runs.length })],
    });
    await client.awaitPendingTraceBatches();
    const experiment = await client.readProject({ projectName: results.experimentName, includeStats: true });
    // The summary score is logged on the project, not on a run: it was in no statistic before.
    expect(experiment).toMatchObject({
      feedback_stats: { exact: { n: 2, avg: 0.5 } },
      session_feedback_stats: { runs: { n: 1, avg: 2 } },
    });
    expect(experiment.feedback_stats).not.toHaveProperty("runs");
  });

  it("files runs sent to an agent address in that agent's project, and resolves the address to it", async () => {
    const client = fixture.client();
    const lookup = traceable(async (q: string) => q.length, { name: "lookup", client });
    const turn = (environment: string) =>
      traceable(async (q: string) => lookup(q), {
        name: "turn",
        client,
        address: new AgentAddress("support-bot", environment),
      });
    await turn("production")("hi");
    await turn("staging")("hey");
    await client.awaitPendingTraceBatches();
    // They went to "default" before, the two environments mixed.
    expect(await client.hasProject({ projectName: "default" })).toBe(false);
    const production = "lrn:agents/support-bot/environments/production";
    const runs = await collect(client.listRuns({ projectName: production }));
    expect(runs.map((r) => r.name).sort()).toEqual(["lookup", "turn"]);
    const { session_id } = await client.sessions.resolve({
      kind: "AGENT",
      id: "support-bot",
      environment: "PRODUCTION",
    });
    expect(session_id).toBe(runs[0]?.session_id);
    await expect(
      client.sessions.resolve({ kind: "AGENT", id: "other-bot", environment: "PRODUCTION" }),
    ).rejects.toThrow(/404.*No runs were sent to agent.*other-bot/);
    const experiment = await client.createProject({ projectName: "an-experiment" });
    expect(await client.sessions.resolve({ kind: "EXPERIMENT", id: experiment.id })).toEqual({
      session_id: experiment.id,
    });
  });

  it("lists newest first with sort_by=start_time&sort_by_desc=true, and names the sorts it has", async () => {
    const client = fixture.client();
    for (const name of ["sort-1", "sort-2", "sort-3"]) await client.createProject({ projectName: name });
    const names = async (query: string) =>
      (
        (await request(fixture.studio, "GET", `/sessions?name_contains=sort-${query}`)).body as Array<{
          name: string;
        }>
      ).map((s) => s.name);
    expect(await names("")).toEqual(["sort-1", "sort-2", "sort-3"]);
    expect(await names("&sort_by=start_time&sort_by_desc=true")).toEqual(["sort-3", "sort-2", "sort-1"]);
    expect(await names("&sort_by=name&sort_by_desc=true&limit=2")).toEqual(["sort-3", "sort-2"]);
    const refused = await request(fixture.studio, "GET", "/sessions?sort_by=latency_p50");
    expect(refused.status).toBe(422);
    expect((refused.body as { detail: string }).detail).toContain('"start_time" or "name"');
  });
});
