import { traceable } from "langsmith/traceable";
import { describe, expect, it } from "vitest";
import { collect, request, useStudio } from "../studio-fixture.case.ts";

const fixture = useStudio();

describe("POST /runs/group through the SDK's listGroupRuns", () => {
  it("lists a project's conversations, newest first, across pages, with a filter that lists each one's runs", async () => {
    const client = fixture.client();
    const turn = (thread: string, q: string) =>
      traceable(async (x: string) => ({ a: x }), {
        name: "chat",
        client,
        project_name: "grouped",
        metadata: { thread_id: thread },
      })(q);
    for (let i = 0; i < 105; i++) await turn(`t${String(i).padStart(3, "0")}`, "hi");
    // Start times are kept to the millisecond: the last turn must not tie with the one before.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await turn("t000", "again");
    await client.awaitPendingTraceBatches();

    const groups = await collect(client.listGroupRuns({ projectName: "grouped", groupBy: "conversation" }));
    expect(groups).toHaveLength(105);
    expect(groups[0]).toMatchObject({ thread_id: "t000", count: 2, filter: 'eq(thread_id, "t000")' });
    expect(new Set(groups.map((g) => g.thread_id)).size).toBe(105);
    const runs = await collect(client.listRuns({ projectName: "grouped", filter: groups[0]!.filter }));
    expect(runs.map((r) => r.inputs)).toEqual([{ input: "again" }, { input: "hi" }]);

    const filtered = await collect(
      client.listGroupRuns({ projectName: "grouped", groupBy: "conversation", filter: 'search("again")' }),
    );
    expect(filtered.map((g) => [g.thread_id, g.count])).toEqual([["t000", 1]]);

    const project = await client.readProject({ projectName: "grouped" });
    const wrong = await request(fixture.studio, "POST", "/runs/group", {
      body: JSON.stringify({ session_id: project.id, group_by: "user" }),
      headers: { "content-type": "application/json" },
    });
    expect(wrong.status).toBe(422);
    expect((wrong.body as { detail: string }).detail).toMatch(/"group_by".*conversation/);
  });
});
