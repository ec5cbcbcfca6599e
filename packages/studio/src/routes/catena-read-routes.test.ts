import { randomUUID } from "node:crypto";
import type { Client } from "langsmith";
import { describe, expect, it } from "vitest";
import { request, useStudio } from "../studio-fixture.case.ts";

const fixture = useStudio();

/** A root run with Catena's metadata and `steps` children, sent through the SDK. */
async function trace(
  client: Client,
  project: string,
  root: { status: string; tier?: string; ticket: string; start: string; exampleId?: string; label?: string },
  steps: Array<{ name: string; metadata: Record<string, unknown>; tokens?: number }> = [],
): Promise<string> {
  const id = randomUUID();
  const compact = (iso: string, runId: string) => `${iso.replace(/[-:.]/g, "").replace("Z", "000Z")}${runId}`;
  await client.createRun({
    id,
    trace_id: id,
    dotted_order: compact(root.start, id),
    name: "triage",
    run_type: "chain",
    project_name: project,
    inputs: { ticket: root.ticket },
    outputs: { label: root.label ?? "hardware" },
    start_time: root.start,
    end_time: new Date(Date.parse(root.start) + 20).toISOString(),
    ...(root.exampleId === undefined ? {} : { reference_example_id: root.exampleId }),
    extra: {
      metadata: {
        chain: "triage",
        version: "1.0.0",
        status: root.status,
        ...(root.tier ? { tier: root.tier } : {}),
      },
    },
  });
  for (const [i, step] of steps.entries()) {
    const childId = randomUUID();
    const start = new Date(Date.parse(root.start) + i + 1).toISOString();
    await client.createRun({
      id: childId,
      trace_id: id,
      parent_run_id: id,
      dotted_order: `${compact(root.start, id)}.${compact(start, childId)}`,
      name: step.name,
      run_type: "chain",
      project_name: project,
      inputs: {},
      outputs: step.tokens
        ? { usage_metadata: { input_tokens: step.tokens, output_tokens: 0, total_tokens: step.tokens } }
        : {},
      start_time: start,
      end_time: start,
      extra: { metadata: step.metadata },
    });
  }
  return id;
}

describe("the page's read endpoints (/catena/)", () => {
  it("pages the runs table with filters and a keyset cursor, and reads a whole trace", async () => {
    const client = fixture.client({ autoBatchTracing: false });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        await trace(
          client,
          "table",
          {
            status: i === 2 ? "deferred" : "done",
            tier: i % 2 === 0 ? "rules" : "llm",
            ticket: `ticket ${i} ${i === 4 ? "flicker" : ""}`,
            start: `2026-11-0${i + 1}T10:00:00.000Z`,
          },
          [{ name: "classify", metadata: { tier: "llm", confidence: 0.75, threshold: 0.7 }, tokens: 12 }],
        ),
      );
    }
    const project = (await client.readProject({ projectName: "table" })).id;
    const page = (query: string) => request(fixture.studio, "GET", `/catena/runs?project=${project}${query}`);

    const first = (await page("&limit=2")).body as {
      runs: Array<{ id: string; total_tokens: number }>;
      next: string;
    };
    expect(first.runs.map((r) => r.id)).toEqual([ids[4], ids[3]]);
    expect(first.runs[0]?.total_tokens).toBe(12);
    const second = (await page(`&limit=2&cursor=${first.next}`)).body as { runs: Array<{ id: string }> };
    expect(second.runs.map((r) => r.id)).toEqual([ids[2], ids[1]]);

    const only = async (query: string) =>
      ((await page(query)).body as { runs: Array<{ id: string }> }).runs.map((r) => r.id);
    expect(await only("&status=deferred")).toEqual([ids[2]]);
    expect(await only("&tier=llm")).toEqual([ids[3], ids[1]]);
    expect(await only("&q=FLICKER")).toEqual([ids[4]]);
    expect(await only("&from=2026-11-02T00:00:00Z&to=2026-11-03T00:00:00Z")).toEqual([ids[1]]);
    await client.createFeedback(ids[0] ?? "", "rating", { score: 4 });
    expect(await only("&feedback_key=rating&score_min=4")).toEqual([ids[0]]);
    expect(await only("&feedback_key=rating&score_max=3")).toEqual([]);

    const bad = await page("&cursor=nope");
    expect(bad.status).toBe(422);
    expect((await request(fixture.studio, "GET", "/catena/runs")).status).toBe(422);

    const tree = (await request(fixture.studio, "GET", `/catena/traces/${ids[0]}`)).body as {
      runs: Array<{ name: string }>;
      feedback: Array<{ key: string }>;
    };
    expect(tree.runs.map((r) => r.name)).toEqual(["triage", "classify"]);
    expect(tree.feedback.map((f) => f.key)).toEqual(["rating"]);
    expect((await request(fixture.studio, "GET", `/catena/traces/${randomUUID()}`)).status).toBe(404);
  });

  it("fills the queue by rule and leaves out runs that have feedback", async () => {
    const client = fixture.client({ autoBatchTracing: false });
    const now = new Date().toISOString();
    const deferred = await trace(client, "queue", { status: "deferred", ticket: "a", start: now });
    const waiting = await trace(client, "queue", { status: "waiting", ticket: "b", start: now });
    const low = await trace(client, "queue", { status: "done", ticket: "c", start: now }, [
      { name: "classify", metadata: { confidence: 0.72, threshold: 0.7 } },
    ]);
    const sure = await trace(client, "queue", { status: "done", ticket: "d", start: now }, [
      { name: "classify", metadata: { confidence: 0.99, threshold: 0.7 } },
    ]);
    const rated = await trace(client, "queue", { status: "deferred", ticket: "e", start: now });
    await client.createFeedback(rated, "rating", { score: 3 });
    const project = (await client.readProject({ projectName: "queue" })).id;
    const { body } = await request(fixture.studio, "GET", `/catena/queue?project=${project}`);
    const items = (body as { items: Array<{ run_id: string; reason: string }> }).items;
    expect(items.map((i) => [i.run_id, i.reason])).toEqual([
      [waiting, "review"],
      [deferred, "deferred"],
      [low, "low_confidence"],
      [sure, "sample"],
    ]);
  });

  it("judges a cascade's answer by the step that answered, not a tier before it; a rules match at 1.00 is not low", async () => {
    const client = fixture.client({ autoBatchTracing: false });
    const now = new Date().toISOString();
    const cascade = (tier: string, confidence: number) => ({
      name: "route",
      metadata: { kind: "cascade", tier, accepted: true, confidence },
    });
    // The rules tier declined (0.50 under its 1.00); the LLM tier answered at 0.83 over 0.80.
    const llm = await trace(client, "answering", { status: "done", ticket: "a", start: now }, [
      cascade("llm", 0.83),
      { name: "rules", metadata: { cascade: "route", tier: "rules", threshold: 1, confidence: 0.5 } },
      { name: "classify", metadata: { cascade: "route", tier: "llm", threshold: 0.8, confidence: 0.83 } },
    ]);
    // The rules tier answered, certain.
    const rules = await trace(client, "answering", { status: "done", ticket: "b", start: now }, [
      cascade("rules", 1),
      { name: "rules", metadata: { cascade: "route", tier: "rules", threshold: 1, confidence: 1 } },
    ]);
    const project = (await client.readProject({ projectName: "answering" })).id;
    const { body } = await request(fixture.studio, "GET", `/catena/queue?project=${project}`);
    const items = (
      body as {
        items: Array<{ run_id: string; reason: string; confidence: number | null; threshold: number | null }>;
      }
    ).items;
    expect(items.map((i) => [i.run_id, i.reason, i.confidence, i.threshold])).toEqual([
      [llm, "low_confidence", 0.83, 0.8],
      [rules, "sample", null, null],
    ]);
  });

  it("lists the runs put in an annotation queue (catena sample, shadow report), with the queue's name", async () => {
    const client = fixture.client({ autoBatchTracing: false });
    const now = new Date().toISOString();
    // Yesterday's runs: not in today's sample, not deferred, no low confidence: only the queue brings them.
    const yesterday = new Date(Date.now() - 86_400_000).toISOString();
    const sampled = await trace(client, "sampled", { status: "done", ticket: "s", start: yesterday });
    const reviewed = await trace(client, "sampled", { status: "done", ticket: "r", start: yesterday });
    await trace(client, "sampled", { status: "done", ticket: "o", start: yesterday });
    const deferred = await trace(client, "sampled", { status: "deferred", ticket: "d", start: now });
    const queue = await client.createAnnotationQueue({ name: `triage review ${randomUUID()}` });
    await client.addRunsToAnnotationQueue(queue.id, [sampled, reviewed, deferred]);
    await client.createFeedback(reviewed, "rating", { score: 4 });
    const project = (await client.readProject({ projectName: "sampled" })).id;
    const { body } = await request(fixture.studio, "GET", `/catena/queue?project=${project}`);
    const items = (body as { items: Array<{ run_id: string; reason: string; queue?: string }> }).items;
    expect(items.map((i) => [i.run_id, i.reason, i.queue])).toEqual([
      [deferred, "deferred", undefined],
      [sampled, "queued", queue.name],
    ]);
  });

  it("lists a dataset's experiments and compares them example by example", async () => {
    const client = fixture.client({ autoBatchTracing: false });
    const dataset = await client.createDataset(`cmp-${randomUUID()}`);
    const [example] = await client.createExamples({
      datasetId: dataset.id,
      inputs: [{ ticket: "x" }],
      outputs: [{ label: "billing" }],
    });
    const sessions: string[] = [];
    for (const [name, label] of [
      ["exp-a", "billing"],
      ["exp-b", "hardware"],
    ] as const) {
      const session = await client.createProject({
        projectName: `${name}-${dataset.id}`,
        referenceDatasetId: dataset.id,
      });
      sessions.push(session.id);
      const run = await trace(client, `${name}-${dataset.id}`, {
        status: "done",
        tier: "rules",
        ticket: "x",
        start: new Date().toISOString(),
        exampleId: example?.id ?? "",
        label,
      });
      await client.createFeedback(run, "correctness", { score: label === "billing" ? 1 : 0 });
    }
    const listed = (await request(fixture.studio, "GET", `/catena/datasets/${dataset.id}/experiments`))
      .body as {
      experiments: Array<{ id: string; runs: number; scores: Record<string, number> }>;
    };
    expect(listed.experiments.map((e) => e.id).sort()).toEqual([...sessions].sort());
    const compared = (
      await request(fixture.studio, "GET", `/catena/compare?session=${sessions[0]}&session=${sessions[1]}`)
    ).body as {
      experiments: Array<{ scores: Record<string, number> }>;
      examples: Array<{ reference: unknown; results: Record<string, { outputs: unknown }> }>;
    };
    expect(compared.experiments.map((e) => e.scores.correctness)).toEqual([1, 0]);
    expect(compared.examples[0]?.reference).toEqual({ label: "billing" });
    expect(compared.examples[0]?.results[sessions[1] ?? ""]?.outputs).toEqual({ label: "hardware" });
  });

  it("keeps chain descriptions by fingerprint", async () => {
    const put = await request(fixture.studio, "PUT", "/catena/chains/fp-1", {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        name: "triage",
        version: "1.0.0",
        mermaid: "stateDiagram-v2\n",
        output: { type: "object" },
      }),
    });
    expect(put.status).toBe(200);
    const got = await request(fixture.studio, "GET", "/catena/chains/fp-1");
    expect(got.body).toMatchObject({ name: "triage", fingerprint: "fp-1", output: { type: "object" } });
    const bad = await request(fixture.studio, "PUT", "/catena/chains/fp-2", {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "triage" }),
    });
    expect(bad.status).toBe(422);
    expect((await request(fixture.studio, "GET", "/catena/chains/nope")).status).toBe(404);
  });

  it("serves the page's HTML without the API key, but not its data", async () => {
    const html = await request(fixture.studio, "GET", "/o/any/projects");
    expect(html.status).toBe(200);
    expect(String(html.body)).toContain('<div id="app">');
  });
});
