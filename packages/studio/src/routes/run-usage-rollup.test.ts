import { traceable } from "langsmith/traceable";
import { beforeAll, describe, expect, it } from "vitest";
import { collect, request, useStudio } from "../studio-fixture.case.ts";

const fixture = useStudio();

const usage = {
  input_tokens: 7,
  output_tokens: 3,
  total_tokens: 10,
  input_cost: 0.01,
  output_cost: 0.02,
  total_cost: 0.03,
};

// The SDK's `Run` type has the token counts but not the costs the API returns beside them.
const field = (run: object | undefined, key: string) => (run as Record<string, unknown> | undefined)?.[key];

describe("a run's tokens and cost include its descendants'", () => {
  let rootId = "";
  let projectId = "";

  beforeAll(async () => {
    const client = fixture.client();
    const llm = traceable(async (prompt: string) => ({ text: prompt, usage_metadata: usage }), {
      name: "llm",
      run_type: "llm",
      client,
      project_name: "rollup",
    });
    const step = traceable(async (x: string) => (await llm(x)).text, {
      name: "step",
      client,
      project_name: "rollup",
    });
    const root = traceable(
      async (x: string) => {
        await step(x);
        await llm(x);
        return "done";
      },
      { name: "root", client, project_name: "rollup" },
    );
    await root("hi");
    await client.awaitPendingTraceBatches();
    const [run] = await collect(client.listRuns({ projectName: "rollup", isRoot: true }));
    rootId = run!.id;
    projectId = run!.session_id!;
  });

  it("in readRun and listRuns (v1), whichever usage field is selected", async () => {
    const client = fixture.client();
    const root = await client.readRun(rootId);
    expect(root).toMatchObject({ total_tokens: 20, prompt_tokens: 14, completion_tokens: 6 });
    expect(field(root, "total_cost")).toBeCloseTo(0.06);
    const runs = await collect(client.listRuns({ projectName: "rollup" }));
    expect(Object.fromEntries(runs.map((r) => [r.name, r.total_tokens]))).toEqual({
      root: 20,
      step: 10,
      llm: 10,
    });
    const [selected] = await collect(
      client.listRuns({ projectName: "rollup", isRoot: true, select: ["id", "prompt_cost"] }),
    );
    expect(field(selected, "prompt_cost")).toBeCloseTo(0.02);
  });

  it("in the v2 query with include_subtree_usage (own figures without, as LangSmith)", async () => {
    const query = (include: boolean) =>
      request(fixture.studio, "POST", "/api/v2/runs/query", {
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          project_ids: [projectId],
          is_root: true,
          selects: ["TOTAL_TOKENS", "PROMPT_TOKENS", "TOTAL_COST"],
          include_subtree_usage: include,
        }),
      });
    const rolled = (await query(true)).body as { items: Record<string, number>[] };
    expect(rolled.items[0]).toMatchObject({ total_tokens: 20, prompt_tokens: 14 });
    const own = (await query(false)).body as { items: Record<string, number>[] };
    expect(own.items[0]).toMatchObject({ total_tokens: 0 });
  });

  it("on the web page's runs list", async () => {
    const page = await request(fixture.studio, "GET", `/catena/runs?project=${projectId}`);
    const [row] = (page.body as { runs: { total_tokens: number; total_cost: number }[] }).runs;
    expect(row?.total_tokens).toBe(20);
    expect(row?.total_cost).toBeCloseTo(0.06);
  });
});
