import { RunTree } from "langsmith";
import { beforeAll, describe, expect, it } from "vitest";
import { collect, useStudio } from "../studio-fixture.case.ts";

const fixture = useStudio();
const PROJECT = "queue-proj";

describe("annotation queues through the SDK", () => {
  const runs: { id: string; start: number }[] = [];
  let projectId = "";

  beforeAll(async () => {
    const client = fixture.client();
    for (const n of [1, 2, 3]) {
      const tree = new RunTree({ name: `answer-${n}`, inputs: { n }, project_name: PROJECT, client });
      await tree.postRun();
      await tree.end({ n });
      await tree.patchRun();
      runs.push({ id: tree.id, start: tree.start_time as number });
    }
    await client.awaitPendingTraceBatches();
    projectId = (await client.readProject({ projectName: PROJECT })).id;
  });

  it("creates, reads, lists, updates and deletes a queue", async () => {
    const client = fixture.client();
    const queue = await client.createAnnotationQueue({
      name: "triage",
      description: "first pass",
      rubricInstructions: "Be kind",
    });
    expect(await client.readAnnotationQueue(queue.id)).toMatchObject({
      name: "triage",
      rubric_instructions: "Be kind",
    });
    await client.updateAnnotationQueue(queue.id, { name: "triage-2" });
    const listed = await collect(client.listAnnotationQueues({ nameContains: "triage" }));
    expect(listed.map((q) => q.name)).toEqual(["triage-2"]);
    const viaResource = await client.annotationQueues.retrieve(queue.id);
    expect(viaResource.name).toBe("triage-2");
    await client.deleteAnnotationQueue(queue.id);
    await expect(client.readAnnotationQueue(queue.id)).rejects.toThrow(/404/);
  });

  it("refuses a second queue of a name, and a rename to a taken name, with 409 naming the queue", async () => {
    const client = fixture.client();
    const first = await client.createAnnotationQueue({ name: "daily sample" });
    await expect(client.createAnnotationQueue({ name: "daily sample" })).rejects.toThrow(
      new RegExp(`409.*daily sample.{0,4} already exists \\(${first.id}\\)`, "s"),
    );
    const other = await client.createAnnotationQueue({ name: "shadow" });
    await expect(client.updateAnnotationQueue(other.id, { name: "daily sample" })).rejects.toThrow(/409/);
    // Keeping its own name, or changing something else, is fine.
    await client.updateAnnotationQueue(first.id, { name: "daily sample", description: "5 a day" });
    const named = await collect(client.listAnnotationQueues({ name: "daily sample" }));
    expect(named.map((q) => [q.id, q.description])).toEqual([[first.id, "5 a day"]]);
  });

  it("adds runs by key, lists them and marks them done", async () => {
    const client = fixture.client();
    const queue = await client.annotationQueues.annotationQueues({ name: "review" });
    await client.addRunsToAnnotationQueue(
      queue.id,
      runs.map((r) => ({ runId: r.id, sessionId: projectId, startTime: r.start })),
    );
    const pending = await collect(
      client.listRunsFromAnnotationQueue(queue.id, { status: "needs_my_review" }),
    );
    expect(pending.map((r) => r.id)).toEqual(runs.map((r) => r.id));
    const first = await client.getRunFromAnnotationQueue(queue.id, 0);
    expect(first.id).toBe(runs[0]!.id);
    const queueRunId = (pending[0] as unknown as { queue_run_id: string }).queue_run_id;
    await client.annotationQueues.createRunStatus(queueRunId, { status: "completed" });
    expect(await client.getSizeFromAnnotationQueue(queue.id)).toEqual({ size: 2 });
    expect(await client.annotationQueues.retrieveSize(queue.id, { status: "completed" })).toEqual({
      size: 1,
    });
    const done = await client.annotationQueues.runs.list(queue.id, { status: "completed" });
    expect(done.map((r) => [r.id, typeof r.last_reviewed_time])).toEqual([[runs[0]!.id, "string"]]);
    await client.deleteRunFromAnnotationQueue(queue.id, queueRunId);
    expect(await client.annotationQueues.retrieveTotalSize(queue.id)).toEqual({ size: 2 });
    expect(
      (await client.annotationQueues.retrieveQueues(runs[1]!.id)).map((q: { id: string }) => q.id),
    ).toEqual([queue.id]);
    // LangSmith's Python SDK (delete_run_from_annotation_queue(queue_id, run_id=...)) and the JS
    // SDK's doc ("the ID of the run") send the run's own id in the same path.
    await client.deleteRunFromAnnotationQueue(queue.id, runs[1]!.id);
    expect(await client.annotationQueues.retrieveTotalSize(queue.id)).toEqual({ size: 1 });
    await expect(client.deleteRunFromAnnotationQueue(queue.id, runs[1]!.id)).rejects.toThrow(/404/);
  });

  it("serves the same queue runs as client.annotationQueues.items", async () => {
    const client = fixture.client();
    const queue = await client.annotationQueues.annotationQueues({ name: "items" });
    const created = await client.annotationQueues.items.create(queue.id, {
      items: runs.map((r) => ({ item_type: "RUN" as const, run_id: r.id, project_id: projectId })),
    });
    expect(created.items?.map((i) => i.run_id)).toEqual(runs.map((r) => r.id));
    const first = created.items![0]!.id!;
    await client.annotationQueues.items.createStatus(first, { status: "completed" });
    const open = await collect(client.annotationQueues.items.list(queue.id, { status: "needs_my_review" }));
    expect(open.map((i) => i.run_id)).toEqual(runs.slice(1).map((r) => r.id));
    const archived = await collect(client.annotationQueues.items.list(queue.id, { status: "archived" }));
    expect(archived.map((i) => i.id)).toEqual([first]);
    expect(await client.annotationQueues.items.retrieveCount(queue.id, { status: "all" })).toEqual({
      count: 3,
    });
    await client.annotationQueues.items.deleteAll(queue.id, { item_ids: [first] });
    expect(await client.annotationQueues.items.retrieveCount(queue.id, { status: "archived" })).toEqual({
      count: 0,
    });
  });
});
