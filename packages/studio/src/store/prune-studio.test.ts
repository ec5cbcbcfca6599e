import { join } from "node:path";
import { RunTree } from "langsmith";
import { describe, expect, it } from "vitest";
import { collect, useStudio } from "../studio-fixture.case.ts";
import { pruneStudio, vacuumStudio } from "./prune-studio.ts";
import { StudioStore } from "./studio-store.ts";

const fixture = useStudio();
const DAY = 86_400_000;

/** Posts a trace (a root run with one child) through the SDK, started `daysAgo` days ago. */
async function trace(name: string, daysAgo: number): Promise<string> {
  const client = fixture.client();
  const start = Date.now() - daysAgo * DAY;
  const root = new RunTree({
    name,
    run_type: "chain",
    inputs: { name },
    client,
    project_name: "prune",
    start_time: start,
  });
  await root.postRun();
  const child = root.createChild({
    name: `${name}-step`,
    run_type: "tool",
    inputs: {},
    start_time: start + 1,
  });
  await child.postRun();
  await child.end({ ok: true }, undefined, start + 2);
  await child.patchRun();
  await root.end({ ok: true }, undefined, start + 3);
  await root.patchRun();
  await client.awaitPendingTraceBatches();
  await client.createFeedback(root.id, "rating", { score: 4 });
  return root.id;
}

describe("pruneStudio", () => {
  it("deletes whole traces started before the cut-off with their feedback, and keeps the rest", async () => {
    await trace("old", 40);
    const recent = await trace("recent", 1);
    const store = StudioStore.open(join(fixture.dir, "studio.db"));
    try {
      const before = new Date(Date.now() - 30 * DAY);
      expect(pruneStudio(store, { before, dryRun: true })).toEqual({
        traces: 1,
        runs: 2,
        feedback: 1,
        attachments: 0,
      });
      expect(pruneStudio(store, { before })).toEqual({ traces: 1, runs: 2, feedback: 1, attachments: 0 });
      expect(pruneStudio(store, { before })).toEqual({ traces: 0, runs: 0, feedback: 0, attachments: 0 });
      vacuumStudio(store);
    } finally {
      store.close();
    }
    const client = fixture.client();
    const runs = await collect(client.listRuns({ projectName: "prune" }));
    expect(runs.map((r) => r.name).sort()).toEqual(["recent", "recent-step"]);
    const feedback = await collect(client.listFeedback({}));
    expect(feedback.map((f) => f.run_id)).toEqual([recent]);
  });
});
