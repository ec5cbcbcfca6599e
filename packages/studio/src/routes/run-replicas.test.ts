import { RunTree } from "langsmith";
import { describe, expect, it } from "vitest";
import { collect, useStudio } from "../studio-fixture.case.ts";

const fixture = useStudio();

describe("runs replicated to several projects through the langsmith SDK", () => {
  it("applies each replica's updates.metadata to that project's copy only", async () => {
    const client = fixture.client();
    const run = new RunTree({
      name: "answer",
      run_type: "chain",
      inputs: { q: "hours?" },
      metadata: { shared: "yes" },
      client,
      replicas: [
        { projectName: "replica-a", updates: { metadata: { tenant: "a", shared: "overridden" } } },
        { projectName: "replica-b" },
      ],
    });
    await run.postRun();
    await run.end({ a: "9-5" });
    await run.patchRun();
    await client.awaitPendingTraceBatches();

    const [a] = await collect(client.listRuns({ projectName: "replica-a" }));
    const [b] = await collect(client.listRuns({ projectName: "replica-b" }));
    expect(a?.outputs).toEqual({ a: "9-5" });
    expect(a?.extra?.metadata).toMatchObject({ tenant: "a", shared: "overridden" });
    expect(b?.extra?.metadata).toMatchObject({ shared: "yes" });
    expect(b?.extra?.metadata).not.toHaveProperty("tenant");
    // The metadata the replica added is what filters find, as in LangSmith.
    const found = await collect(
      client.listRuns({ projectName: "replica-a", filter: 'has(metadata, \'{"tenant": "a"}\')' }),
    );
    expect(found.map((r) => r.id)).toEqual([a?.id]);
  });
});
