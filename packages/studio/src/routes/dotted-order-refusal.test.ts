import { randomUUID } from "node:crypto";
import { RunTree } from "langsmith";
import { describe, expect, it, vi } from "vitest";
import { request, useStudio } from "../studio-fixture.case.ts";

const fixture = useStudio();

const stamp = "20261206T101500123456Z";

describe("a run with a malformed dotted_order", () => {
  it("is a 422 naming the run and the format on POST /runs and PATCH /runs/{id}", async () => {
    const client = fixture.client({ autoBatchTracing: false });
    const id = randomUUID();
    const create = client.createRun({
      id,
      name: "bad",
      run_type: "chain",
      inputs: {},
      project_name: "dotted",
      dotted_order: `20261206T1015Z${id}`,
    });
    await expect(create).rejects.toThrow(/422/);
    const answer = await request(fixture.studio, "POST", "/runs", {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        id,
        name: "bad",
        run_type: "chain",
        inputs: {},
        dotted_order: `${stamp}${randomUUID()}`,
      }),
    });
    expect(answer.status).toBe(422);
    const body = answer.body as { detail: string };
    expect(body.detail).toContain(`run ${id}`);
    expect(body.detail).toMatch(
      /not the run's; expected <YYYYMMDDTHHMMSSffffff>Z<run id> segments joined by dots/,
    );

    const good = new RunTree({ name: "good", run_type: "chain", inputs: {}, client, project_name: "dotted" });
    await good.postRun();
    const patch = await request(fixture.studio, "PATCH", `/runs/${good.id}`, {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ outputs: { a: 1 }, dotted_order: `${good.dotted_order}.` }),
    });
    expect(patch.status).toBe(422);
    expect((patch.body as { detail: string }).detail).toContain("malformed segment 2");
  });

  it("is left out of an SDK batch alone: the rest is stored, the refusal logged and shown on /info", async () => {
    const stray = randomUUID();
    // The child's own segment with another run's id: it would be filed under the wrong run.
    const detail = await refusedFromSdkBatch("dotted", (root, child) => {
      child.dotted_order = `${root.dotted_order}.${stamp}${stray}`;
    });
    expect(detail).toContain(`ends with the id ${stray}`);
  });

  it("is left out of POST /runs/batch alone, post and patch, and listed as refused in the 202", async () => {
    const good = randomUUID();
    const bad = randomUUID();
    const run = (id: string, dotted: string) => ({
      id,
      name: id === good ? "kept" : "dropped",
      run_type: "chain",
      inputs: {},
      session_name: "dotted-batch",
      trace_id: id,
      dotted_order: dotted,
    });
    const answer = await request(fixture.studio, "POST", "/runs/batch", {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        post: [run(good, `${stamp}${good}`), run(bad, bad)],
        patch: [{ id: bad, outputs: {}, dotted_order: `${stamp}${bad}` }],
      }),
    });
    expect(answer.status).toBe(202);
    const refused = (answer.body as { refused: { id: string; detail: string }[] }).refused;
    expect(refused.map((r) => r.id)).toEqual([bad]);
    expect(refused[0]?.detail).toContain("malformed segment 1");
    expect((await request(fixture.studio, "GET", `/runs/${good}`)).status).toBe(200);
    expect((await request(fixture.studio, "GET", `/runs/${bad}`)).status).toBe(404);
  });

  it("that disagrees with its trace_id or parent_run_id is a 422 on the single-run routes", async () => {
    const client = fixture.client({ autoBatchTracing: false });
    const root = new RunTree({
      name: "root",
      run_type: "chain",
      inputs: {},
      client,
      project_name: "lineage",
    });
    await root.postRun();
    const id = randomUUID();
    const dotted = `${root.dotted_order}.${stamp}${id}`;
    const create = (fields: object) =>
      client.createRun({
        id,
        name: "child",
        run_type: "llm",
        inputs: {},
        project_name: "lineage",
        ...fields,
      });

    const otherTrace = randomUUID();
    await expect(
      create({ dotted_order: dotted, trace_id: otherTrace, parent_run_id: root.id }),
    ).rejects.toThrow(
      new RegExp(`422.*starts with the root ${root.id} but \\\\?"trace_id\\\\?" is ${otherTrace}`),
    );
    const otherParent = randomUUID();
    await expect(
      create({ dotted_order: dotted, trace_id: root.id, parent_run_id: otherParent }),
    ).rejects.toThrow(
      new RegExp(
        `422.*names the parent ${root.id} but \\\\?"parent_run_id\\\\?" is \\\\?"${otherParent}.*create the run with .parent_run.`,
      ),
    );
    await expect(client.readRun(id)).rejects.toThrow(/404|not found/i);

    await create({ dotted_order: dotted, trace_id: root.id, parent_run_id: root.id });
    const patch = await request(fixture.studio, "PATCH", `/runs/${id}`, {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ outputs: { a: 1 }, dotted_order: dotted, trace_id: id }),
    });
    expect(patch.status).toBe(422);
    expect(await client.readRun(id)).toMatchObject({
      trace_id: root.id,
      parent_run_id: root.id,
      outputs: null,
    });
  });

  it("that disagrees with its trace_id is left out of an SDK batch alone and reported", async () => {
    const stray = randomUUID();
    const detail = await refusedFromSdkBatch("lineage", (_root, child) => {
      child.trace_id = stray;
    });
    expect(detail).toContain(`"trace_id" is ${stray}`);
  });
});

/**
 * Traces a root with two children through the SDK's batches, `spoil`ing the first child before it
 * is sent; checks that the studio stored the root and the other child, refused the spoilt one, and
 * logged and listed the refusal on `/info`. Resolves with the refusal's detail.
 */
async function refusedFromSdkBatch(
  project: string,
  spoil: (root: RunTree, child: RunTree) => void,
): Promise<string | undefined> {
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  try {
    const client = fixture.client();
    const root = new RunTree({ name: "root", run_type: "chain", inputs: {}, client, project_name: project });
    await root.postRun();
    const child = root.createChild({ name: "child", run_type: "llm", inputs: {} });
    spoil(root, child);
    await child.postRun();
    const sibling = root.createChild({ name: "sibling", run_type: "tool", inputs: {} });
    await sibling.postRun();
    await client.awaitPendingTraceBatches();

    const stored = await client.readRun(root.id, { loadChildRuns: true });
    expect(stored.child_runs?.map((r) => r.name)).toEqual(["sibling"]);
    await expect(client.readRun(child.id)).rejects.toThrow(/404|not found/i);
    const info = (await request(fixture.studio, "GET", "/info")).body as {
      catena: { refused: { recent: { route: string; id: string; detail: string }[] } };
    };
    const refusal = info.catena.refused.recent.at(-1);
    expect(refusal).toMatchObject({ route: "POST /runs/multipart", id: child.id });
    expect(warn.mock.calls.flat().join("\n")).toContain(`refused ${child.id}`);
    return refusal?.detail;
  } finally {
    warn.mockRestore();
  }
}
