import { RunTree } from "langsmith";
import { describe, expect, it } from "vitest";
import { collect, request, useStudio } from "../studio-fixture.case.ts";

const fixture = useStudio();

describe("POST /runs/query through the SDK's listRuns", () => {
  it("pages through more runs than one page holds with cursors, newest first", async () => {
    const client = fixture.client();
    const start = Date.now() - 1_000_000;
    for (let i = 0; i < 230; i++) {
      const run = new RunTree({
        name: `r${i}`,
        run_type: "chain",
        inputs: { i },
        client,
        project_name: "paging",
        start_time: start + i * 1000,
      });
      await run.postRun();
    }
    await client.awaitPendingTraceBatches();
    const runs = await collect(client.listRuns({ projectName: "paging" }));
    expect(runs).toHaveLength(230);
    expect(runs[0]?.name).toBe("r229");
    expect(runs.at(-1)?.name).toBe("r0");
    expect(new Set(runs.map((r) => r.id)).size).toBe(230);

    const firstFive = await collect(client.listRuns({ projectName: "paging", limit: 5 }));
    expect(firstFive.map((r) => r.name)).toEqual(["r229", "r228", "r227", "r226", "r225"]);
    const oldest = await collect(client.listRuns({ projectName: "paging", limit: 2, order: "asc" }));
    expect(oldest.map((r) => r.name)).toEqual(["r0", "r1"]);
    const recent = await collect(
      client.listRuns({ projectName: "paging", startTime: new Date(start + 227_000) }),
    );
    expect(recent.map((r) => r.name)).toEqual(["r229", "r228", "r227"]);
  });

  it("filters with eq, has(tags), metadata key/value pairs, run type and trace filters", async () => {
    const client = fixture.client();
    const make = (name: string, tags: string[], metadata: Record<string, unknown>) => {
      const root = new RunTree({
        name,
        run_type: "chain",
        inputs: {},
        client,
        project_name: "filters",
        tags,
        metadata,
      });
      const child = root.createChild({ name: `${name}-tool`, run_type: "tool", inputs: {} });
      return { root, child };
    };
    const a = make("triage", ["support-triage", "v1.0.0"], { chain: "support-triage", version: "1.0.0" });
    const b = make("triage", ["support-triage", "v1.1.0"], { chain: "support-triage", version: "1.1.0" });
    const c = make("banking", ["banking"], { chain: "banking-intents", version: "1.1.0" });
    for (const { root, child } of [a, b, c]) {
      await root.postRun();
      await child.postRun();
    }
    await client.awaitPendingTraceBatches();
    const names = async (options: Parameters<typeof client.listRuns>[0]) =>
      (await collect(client.listRuns({ projectName: "filters", ...options }))).map((r) => r.id).sort();

    expect(await names({ filter: 'eq(name, "triage")' })).toEqual([a.root.id, b.root.id].sort());
    expect(await names({ filter: 'has(tags, "v1.1.0")', isRoot: true })).toEqual([b.root.id]);
    expect(
      await names({ filter: 'and(eq(metadata_key, "version"), eq(metadata_value, "1.1.0"))', isRoot: true }),
    ).toEqual([b.root.id, c.root.id].sort());
    expect(
      await names({
        filter: `has(metadata, '{"chain": "support-triage", "version": "1.0.0"}')`,
        isRoot: true,
      }),
    ).toEqual([a.root.id]);
    expect(await names({ runType: "tool", traceFilter: 'eq(name, "banking")' })).toEqual([c.child.id]);
    expect(await names({ filter: 'or(eq(name, "banking"), eq(name, "banking-tool"))' })).toEqual(
      [c.root.id, c.child.id].sort(),
    );
    expect(await names({ parentRunId: a.root.id })).toEqual([a.child.id]);
    expect(await names({ traceId: b.root.id, isRoot: false })).toEqual([b.child.id]);

    const [selected] = await collect(client.listRuns({ projectName: "filters", select: ["name"], limit: 1 }));
    expect(Object.keys(selected ?? {}).sort()).toEqual(["end_time", "id", "name", "start_time"]);
  });

  it("rejects a filter it does not understand with 422 naming the problem", async () => {
    const response = await request(fixture.studio, "POST", "/runs/query", {
      body: JSON.stringify({ filter: "eq(name, " }),
      headers: { "content-type": "application/json" },
    });
    expect(response.status).toBe(422);
    expect((response.body as { detail: string }).detail).toMatch(/Cannot parse filter/);
    const unknown = await request(fixture.studio, "POST", "/runs/query", {
      body: JSON.stringify({ filter: 'eq(color, "red")' }),
      headers: { "content-type": "application/json" },
    });
    expect((unknown.body as { detail: string }).detail).toMatch(/unknown field color/);
  });

  it("takes latency as a duration text, like/ilike patterns and input/output key-value filters", async () => {
    const client = fixture.client();
    const start = Date.now() - 60_000;
    const make = async (name: string, seconds: number, inputs: object, outputs: object) => {
      const run = new RunTree({
        name,
        run_type: "chain",
        inputs,
        client,
        project_name: "filters-2",
        start_time: start,
      });
      await run.postRun();
      await run.end(outputs, undefined, start + seconds * 1000);
      await run.patchRun();
      return run.id;
    };
    const slow = await make(
      "Slow-Agent",
      6,
      { question: "refund?", user: { tier: "gold" } },
      { answer: "yes" },
    );
    const fast = await make(
      "fast-agent",
      0.2,
      { question: "hours?", user: { tier: "free" } },
      { answer: "9-5" },
    );
    await client.awaitPendingTraceBatches();
    const ids = async (filter: string) =>
      (await collect(client.listRuns({ projectName: "filters-2", filter }))).map((r) => r.id).sort();

    expect(await ids('gt(latency, "5s")')).toEqual([slow]);
    expect(await ids('lt(latency, "500ms")')).toEqual([fast]);
    expect(await ids("gt(latency, 5)")).toEqual([slow]);
    expect(await ids('like(name, "%-agent")')).toEqual([fast]);
    expect(await ids('ilike(name, "%-agent")')).toEqual([fast, slow].sort());
    expect(await ids('eq(input_key, "question")')).toEqual([fast, slow].sort());
    expect(await ids('and(eq(input_key, "question"), eq(input_value, "refund?"))')).toEqual([slow]);
    expect(await ids('and(eq(input_key, "user.tier"), eq(input_value, "free"))')).toEqual([fast]);
    expect(await ids('like(input_value, "%refund%")')).toEqual([slow]);
    expect(await ids('and(eq(output_key, "answer"), eq(output_value, "9-5"))')).toEqual([fast]);
    // A key and a value in one and() are one entry: "user.tier" never holds "refund?".
    expect(await ids('and(eq(input_key, "user.tier"), eq(input_value, "refund?"))')).toEqual([]);

    const wrong = await request(fixture.studio, "POST", "/runs/query", {
      body: JSON.stringify({ filter: 'gt(latency, "soon")' }),
      headers: { "content-type": "application/json" },
    });
    expect(wrong.status).toBe(422);
    expect((wrong.body as { detail: string }).detail).toMatch(/latency takes seconds or a duration/);
  });
});
