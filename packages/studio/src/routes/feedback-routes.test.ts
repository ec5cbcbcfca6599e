import { traceable } from "langsmith/traceable";
import { describe, expect, it } from "vitest";
import { collect, useStudio } from "../studio-fixture.case.ts";

const fixture = useStudio();

async function tracedRun(project: string): Promise<{ runId: string; traceId: string }> {
  const client = fixture.client();
  let ids = { runId: "", traceId: "" };
  const fn = traceable(
    async () => {
      return "answer";
    },
    {
      name: "rated",
      client,
      project_name: project,
      on_end: (run) => {
        ids = { runId: run.id, traceId: run.trace_id ?? run.id };
      },
    },
  );
  await fn();
  await client.awaitPendingTraceBatches();
  return ids;
}

describe("feedback through the langsmith SDK", () => {
  it("creates, reads, lists, updates and deletes feedback on a run", async () => {
    const { runId } = await tracedRun("feedback-proj");
    const client = fixture.client();
    const created = await client.createFeedback(runId, "correctness", {
      score: 1,
      comment: "good",
      correction: { label: "refund" },
    });
    const read = await client.readFeedback(created.id);
    expect(read).toMatchObject({
      run_id: runId,
      key: "correctness",
      score: 1,
      comment: "good",
      correction: { label: "refund" },
    });
    expect(read.feedback_source?.type).toBe("api");

    await client.updateFeedback(created.id, { score: 0, comment: "wrong after all" });
    const listed = await collect(client.listFeedback({ runIds: [runId] }));
    expect(listed.map((f) => [f.key, f.score, f.comment])).toEqual([["correctness", 0, "wrong after all"]]);

    const [run] = await collect(client.listRuns({ projectName: "feedback-proj" }));
    expect(run?.feedback_stats).toMatchObject({ correctness: { n: 1, avg: 0 } });

    await client.deleteFeedback(created.id);
    expect(await collect(client.listFeedback({ runIds: [runId] }))).toEqual([]);
    await expect(client.readFeedback(created.id)).rejects.toThrow(/not found/i);
  });

  it("stores feedback the SDK batches into /runs/multipart (feedback.{id} parts) and filters by key", async () => {
    const { runId, traceId } = await tracedRun("feedback-batched");
    const client = fixture.client();
    const sessionId = (await client.readRun(runId)).session_id!;
    await client.createFeedback({ runId, traceId, sessionId, key: "helpful", score: 0.5, value: "meh" });
    await client.createFeedback({ runId, traceId, sessionId, key: "rating", score: 4 });
    await client.awaitPendingTraceBatches();
    const helpful = await collect(client.listFeedback({ runIds: [runId], feedbackKeys: ["helpful"] }));
    expect(helpful.map((f) => [f.key, f.score, f.value])).toEqual([["helpful", 0.5, "meh"]]);
    const all = await collect(client.listFeedback({ runIds: [runId] }));
    expect(all.map((f) => f.key).sort()).toEqual(["helpful", "rating"]);
  });
});
