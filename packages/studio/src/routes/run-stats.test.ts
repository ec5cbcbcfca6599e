import { RunTree } from "langsmith";
import { beforeAll, describe, expect, it } from "vitest";
import { useStudio } from "../studio-fixture.case.ts";

const fixture = useStudio();
const PROJECT = "stats-proj";
const t0 = Date.UTC(2026, 0, 1, 12, 0, 0);

/** A root run lasting `seconds`, with an LLM child that reports token usage and cost. */
async function trace(
  client: ReturnType<typeof fixture.client>,
  name: string,
  seconds: number,
  error?: string,
) {
  const root = new RunTree({
    name,
    run_type: "chain",
    inputs: {},
    project_name: PROJECT,
    client,
    start_time: t0,
  });
  const llm = root.createChild({ name: "llm", run_type: "llm", inputs: {}, start_time: t0 });
  await root.postRun();
  await llm.postRun();
  await llm.end(
    {
      usage_metadata: {
        input_tokens: 10,
        output_tokens: 5,
        total_tokens: 15,
        input_cost: 0.001,
        output_cost: 0.002,
      },
    },
    undefined,
    t0 + 100,
  );
  await llm.patchRun();
  await root.end({ ok: error === undefined }, error, t0 + seconds * 1000);
  await root.patchRun();
  return root.id;
}

describe("run statistics through the langsmith SDK", () => {
  const ids: string[] = [];

  beforeAll(async () => {
    const client = fixture.client();
    ids.push(
      await trace(client, "ok", 1),
      await trace(client, "ok", 2),
      await trace(client, "failing", 4, "Error: boom"),
    );
    await client.awaitPendingTraceBatches();
    const sessionId = (await client.readProject({ projectName: PROJECT })).id;
    await client.createFeedback(ids[0]!, "correctness", { score: 1, sessionId });
    await client.createFeedback(ids[1]!, "correctness", { score: 0, sessionId });
  });

  it("gives readProject({ includeStats: true }) latency p50/p99, error rate, tokens, cost and feedback stats", async () => {
    const client = fixture.client();
    const project = (await client.readProject({
      projectName: PROJECT,
      includeStats: true,
    })) as unknown as Record<string, unknown>;
    expect(project).toMatchObject({
      run_count: 6,
      error_rate: expect.closeTo(1 / 3, 5),
      latency_p50: 2,
      latency_p99: expect.closeTo(3.96, 5),
      total_tokens: 45,
      prompt_tokens: 30,
      completion_tokens: 15,
      total_cost: expect.closeTo(0.009, 9),
      feedback_stats: { correctness: { n: 2, avg: 0.5 } },
    });
    const byId = (await client.readProject({
      projectId: project.id as string,
      includeStats: true,
    })) as unknown as Record<string, unknown>;
    expect(byId.latency_p50).toBe(2);
  });

  it("answers POST /runs/stats (getRunStats) for the runs a query selects", async () => {
    const client = fixture.client();
    const roots = await client.getRunStats({ projectNames: [PROJECT], isRoot: true });
    expect(roots).toMatchObject({
      run_count: 3,
      error_rate: expect.closeTo(1 / 3, 5),
      latency_p50: 2,
      total_tokens: 0,
    });
    const llms = await client.getRunStats({ projectNames: [PROJECT], runType: "llm" });
    expect(llms).toMatchObject({ run_count: 3, total_tokens: 45, latency_p50: 0.1, error_rate: 0 });
    const ok = await client.getRunStats({ projectNames: [PROJECT], filter: 'eq(name, "ok")' });
    expect(ok).toMatchObject({ run_count: 2, feedback_stats: { correctness: { n: 2, avg: 0.5 } } });
  });
});
