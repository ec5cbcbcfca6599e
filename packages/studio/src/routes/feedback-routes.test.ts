import { RunTree } from "langsmith";
import { traceable } from "langsmith/traceable";
import { describe, expect, it } from "vitest";
import { collect, request, useStudio } from "../studio-fixture.case.ts";

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

describe("corrections checked against the chain's output schema", () => {
  const output = {
    type: "object",
    properties: { label: { enum: ["billing", "hardware"] }, confidence: { type: "number", maximum: 1 } },
    required: ["label"],
  };

  /**
   * A root run of chain `labeler` (fingerprint `fp-labeler`) and one child step, through the SDK;
   * the root ends with `outputs` when they are given.
   */
  async function labelerRun(
    withSchema: "description" | "metadata" | "none",
    outputs?: Record<string, unknown>,
    schema: Record<string, unknown> = output,
  ): Promise<{ root: string; child: string }> {
    const client = fixture.client();
    const root = new RunTree({
      name: "labeler",
      run_type: "chain",
      inputs: { ticket: "my card was charged twice" },
      client,
      project_name: "corrections",
      metadata: {
        chain: "labeler",
        version: "1.0.0",
        fingerprint: withSchema === "description" ? "fp-labeler" : "fp-unknown",
        ...(withSchema === "metadata" ? { output_schema: schema } : {}),
      },
    });
    await root.postRun();
    const child = root.createChild({ name: "classify", run_type: "tool", inputs: {} });
    await child.postRun();
    if (outputs !== undefined) {
      await root.end(outputs);
      await root.patchRun();
    }
    await client.awaitPendingTraceBatches();
    return { root: root.id, child: child.id };
  }

  it("refuses (422) a correction that does not fit, saying what is wrong, and keeps one that fits", async () => {
    const put = await request(fixture.studio, "PUT", "/catena/chains/fp-labeler", {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "labeler", version: "1.0.0", mermaid: "flowchart LR", output }),
    });
    expect(put.status).toBe(200);
    const client = fixture.client();
    const { root, child } = await labelerRun("description");
    const refused = await request(fixture.studio, "POST", "/feedback", {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        run_id: root,
        key: "correction",
        correction: { label: "unicorn", confidence: 2 },
      }),
    });
    expect(refused.status).toBe(422);
    const detail = (refused.body as { detail: string }).detail;
    expect(detail).toContain(
      `The correction of run ${root} does not fit the output schema of chain labeler@1.0.0`,
    );
    expect(detail).toContain('$.label must be one of "billing", "hardware"');
    expect(detail).toContain("$.confidence must be ≤ 1");
    await expect(client.createFeedback(root, "correction", { correction: {} })).rejects.toThrow(
      /\$\.label is required/,
    );

    const kept = await client.createFeedback(root, "correction", { correction: { label: "billing" } });
    await expect(client.updateFeedback(kept.id, { correction: { label: "refund" } })).rejects.toThrow(
      /\$\.label must be one of/,
    );
    // A step's output is not the chain's: it is not checked.
    await client.createFeedback(child, "correction", { correction: { anything: true } });
    const listed = await collect(client.listFeedback({ runIds: [root, child] }));
    expect(listed.map((f) => f.correction)).toEqual(
      expect.arrayContaining([{ label: "billing" }, { anything: true }]),
    );
    expect(listed).toHaveLength(2);
  });

  it("checks a partial correction laid over the run's outputs, field by field", async () => {
    const client = fixture.client();
    const { root } = await labelerRun("metadata", { label: "billing", confidence: 0.9 });
    await client.createFeedback(root, "correction", { correction: { label: "hardware" } });
    await expect(
      client.createFeedback(root, "correction", { correction: { confidence: 2 } }),
    ).rejects.toThrow(/\(laid over the run's outputs\): \$\.confidence must be ≤ 1/);
  });

  it("checks a deferred run's correction alone: its outputs are the deferral's record, no answer", async () => {
    const client = fixture.client();
    // A schema that allows no other fields, as zod writes them: laid over the deferral's record
    // ({status, deferred}), every correction would be refused.
    const { root } = await labelerRun(
      "metadata",
      {
        status: "deferred",
        deferred: {
          cascade: "intent",
          best: { tier: "linear", result: { label: "billing", confidence: 0.4 } },
        },
      },
      { ...output, additionalProperties: false },
    );
    await client.createFeedback(root, "correction", { correction: { label: "hardware" } });
    await expect(
      client.createFeedback(root, "correction", { correction: { confidence: 0.5 } }),
    ).rejects.toThrow(/of the run's metadata \(output_schema\): \$\.label is required/);
    expect(await collect(client.listFeedback({ runIds: [root] }))).toHaveLength(1);
  });

  it("reads the schema from the run's metadata when no description is stored, and checks nothing without one", async () => {
    const client = fixture.client();
    const withMetadata = await labelerRun("metadata");
    await expect(
      client.createFeedback(withMetadata.root, "correction", { correction: { label: 3 } }),
    ).rejects.toThrow(/output schema of the run's metadata \(output_schema\)/);
    const unknown = await labelerRun("none");
    await client.createFeedback(unknown.root, "correction", { correction: { label: 3 } });
    expect(await collect(client.listFeedback({ runIds: [unknown.root] }))).toHaveLength(1);
  });
});
