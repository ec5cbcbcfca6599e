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

describe("listRuns filters on tokens and cost as the runs show them", () => {
  beforeAll(async () => {
    const client = fixture.client();
    const llm = traceable(async (prompt: string) => ({ text: prompt, usage_metadata: usage }), {
      name: "llm",
      run_type: "llm",
      client,
      project_name: "usage-filter",
    });
    const expensive = traceable(
      async (x: string) => {
        await llm(x);
        await llm(x);
        return "done";
      },
      { name: "expensive", client, project_name: "usage-filter" },
    );
    const free = traceable(async (x: string) => x, { name: "free", client, project_name: "usage-filter" });
    await expensive("hi");
    await free("hi");
    await client.awaitPendingTraceBatches();
  });

  const roots = async (filter: string) =>
    (await collect(fixture.client().listRuns({ projectName: "usage-filter", isRoot: true, filter }))).map(
      (r) => r.name,
    );

  it("finds a trace by what its LLM calls used (the root's own figures were compared)", async () => {
    expect(await roots("gt(total_tokens, 15)")).toEqual(["expensive"]);
    expect(await roots("gte(prompt_tokens, 14)")).toEqual(["expensive"]);
    expect(await roots("gt(total_cost, 0.05)")).toEqual(["expensive"]);
    expect(
      (
        await fixture
          .client()
          .readRun(
            (
              await collect(
                fixture.client().listRuns({ projectName: "usage-filter", filter: 'eq(name, "expensive")' }),
              )
            )[0]!.id,
          )
      ).total_tokens,
    ).toBe(20);
  });

  it("reads a run that used no tokens as 0 tokens, in the filter and in the run", async () => {
    expect(await roots("lt(total_tokens, 15)")).toEqual(["free"]);
    expect(await roots("eq(total_tokens, 0)")).toEqual(["free"]);
    const [free] = await collect(
      fixture.client().listRuns({ projectName: "usage-filter", filter: 'eq(name, "free")' }),
    );
    expect(free).toMatchObject({ total_tokens: 0, prompt_tokens: 0, completion_tokens: 0 });
    // An unknown cost is not a zero cost.
    expect(field(free, "total_cost")).toBeNull();
  });
});

describe("a run's first token is its subtree's earliest", () => {
  let rootId = "";
  let projectId = "";
  let tokenAt = "";

  beforeAll(async () => {
    const client = fixture.client();
    // A streaming LLM run: traceable records a new_token event for each chunk, and sends no
    // first_token_time: the studio reads it from the first event, as LangSmith does.
    const stream = traceable(
      async function* (prompt: string) {
        yield `${prompt}-a`;
        yield `${prompt}-b`;
      },
      { name: "stream", run_type: "llm", client, project_name: "first-token" },
    );
    const root = traceable(
      async (x: string) => {
        const chunks: string[] = [];
        for await (const chunk of stream(x)) chunks.push(chunk);
        return chunks.join("");
      },
      { name: "root", client, project_name: "first-token" },
    );
    await root("hi");
    await client.awaitPendingTraceBatches();
    const runs = await collect(client.listRuns({ projectName: "first-token" }));
    const llm = runs.find((r) => r.name === "stream");
    const events = (llm?.events ?? []) as { name: string; time: string }[];
    tokenAt = events.find((e) => e.name === "new_token")?.time ?? "";
    rootId = runs.find((r) => r.name === "root")!.id;
    projectId = llm!.session_id!;
  });

  it("on the streamed run, from its first new_token event, and on its parent (v1)", async () => {
    const client = fixture.client();
    expect(tokenAt).not.toBe("");
    const runs = await collect(client.listRuns({ projectName: "first-token" }));
    const at = (name: string) =>
      field(
        runs.find((r) => r.name === name),
        "first_token_time",
      );
    expect(Date.parse(String(at("stream")))).toBe(Date.parse(tokenAt));
    expect(at("root")).toBe(at("stream"));
    expect(field(await client.readRun(rootId), "first_token_time")).toBe(at("stream"));
  });

  it("in the v2 query with include_subtree_usage and the trace's aggregates (the root's own without)", async () => {
    const post = (path: string, body: object) =>
      request(fixture.studio, "POST", path, {
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ project_ids: [projectId], ...body }),
      });
    const query = async (include: boolean) =>
      (
        (
          await post("/api/v2/runs/query", {
            is_root: true,
            selects: ["FIRST_TOKEN_TIME"],
            include_subtree_usage: include,
          })
        ).body as { items: { first_token_time: string | null }[] }
      ).items[0]?.first_token_time;
    expect(Date.parse(String(await query(true)))).toBe(Date.parse(tokenAt));
    // The root streamed nothing itself; v2 leaves out a field it has no value for.
    expect(await query(false)).toBeUndefined();
    const traces = await request(fixture.studio, "POST", "/api/v2/traces/query", {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ project_id: projectId, selects: ["NAME"] }),
    });
    const [trace] = (traces.body as { items: { trace_aggregates: { first_token_time?: string } }[] }).items;
    expect(Date.parse(String(trace?.trace_aggregates.first_token_time))).toBe(Date.parse(tokenAt));
  });
});
