import { RunTree } from "langsmith";
import { beforeAll, describe, expect, it } from "vitest";
import { collect, useStudio } from "../studio-fixture.case.ts";

const fixture = useStudio();
const project = "filter-forms";
const ids: Record<string, string> = {};

/** A finished LLM run started at `start`, whose first token came `firstTokenMs` later (none if undefined). */
async function trace(
  name: string,
  options: { tags?: string[]; metadata?: Record<string, unknown>; firstTokenMs?: number },
): Promise<void> {
  const client = fixture.client();
  const start = Date.parse("2026-03-01T10:00:00.000Z");
  const events =
    options.firstTokenMs === undefined
      ? []
      : [
          { name: "new_token", time: new Date(start + options.firstTokenMs).toISOString() },
          { name: "new_token", time: new Date(start + options.firstTokenMs + 300).toISOString() },
        ];
  const run = new RunTree({
    name,
    run_type: "llm",
    project_name: project,
    inputs: { q: name },
    start_time: start,
    tags: options.tags ?? [],
    metadata: options.metadata ?? {},
    events,
    client,
  });
  await run.end({ a: "ok" }, undefined, start + 2000);
  await run.postRun();
  await client.awaitPendingTraceBatches();
  ids[name] = run.id;
}

async function names(filter: string): Promise<string[]> {
  const runs = await collect(fixture.client().listRuns({ projectName: project, filter }));
  return runs.map((r) => r.name).sort();
}

describe("LangSmith's run filter forms through the SDK's listRuns", () => {
  beforeAll(async () => {
    await trace("fast", { tags: ["beta"], metadata: { customer: "acme", plan: null }, firstTokenMs: 200 });
    await trace("slow", { tags: ["v2", "prod"], metadata: { customer: "initech" }, firstTokenMs: 1500 });
    await trace("silent", { tags: ["prod"], metadata: {} });
  });

  it("exists(metadata, key) finds the runs that carry the key, whatever its value", async () => {
    expect(await names('exists(metadata, "customer")')).toEqual(["fast", "slow"]);
    expect(await names('exists(metadata, "plan")')).toEqual(["fast"]);
    expect(await names('not(exists(metadata, "customer"))')).toEqual(["silent"]);
    await expect(names('exists(tags, "beta")')).rejects.toThrow(/\[422\].*exists\(\) takes metadata/);
  });

  it("in(tags, [...]) finds the runs with any of the tags", async () => {
    expect(await names('in(tags, ["beta", "v2"])')).toEqual(["fast", "slow"]);
    expect(await names('and(in(tags, ["prod"]), has(metadata, \'{"customer": "initech"}\'))')).toEqual([
      "slow",
    ]);
    await expect(names("in(tags, [])")).rejects.toThrow(/\[422\].*non-empty list of quoted tags/);
  });

  it("in(metadata_value, [...]) finds the runs with one of the values, alone or beside its key", async () => {
    expect(await names('in(metadata_value, ["acme", "initech", "umbrella"])')).toEqual(["fast", "slow"]);
    expect(
      await names('and(eq(metadata_key, "customer"), in(metadata_value, ["initech", "globex"]))'),
    ).toEqual(["slow"]);
    // Key and value name the same entry: no run has a "plan" of "acme".
    expect(await names('and(eq(metadata_key, "plan"), in(metadata_value, ["acme"]))')).toEqual([]);
    expect(await names('and(in(metadata_key, ["customer", "region"]), eq(metadata_value, "acme"))')).toEqual([
      "fast",
    ]);
    expect(await names('not(in(metadata_value, ["acme"]))')).toEqual(["silent", "slow"]);
    await expect(names("in(metadata_value, [])")).rejects.toThrow(
      /\[422\].*in\(metadata_value, \[\.\.\.\]\) takes a non-empty list of texts, numbers or true\/false.*Supported: .*in\(metadata_value/,
    );
    await expect(names("in(metadata_key, [1])")).rejects.toThrow(/\[422\].*list of quoted keys/);
  });

  it("first_token_time compares as seconds after the start, or as a time", async () => {
    expect(await names("gt(first_token_time, 1)")).toEqual(["slow"]);
    expect(await names('lt(first_token_time, "500ms")')).toEqual(["fast"]);
    expect(await names('gte(first_token_time, "2026-03-01T10:00:01Z")')).toEqual(["slow"]);
    expect(await names("eq(first_token_time, null)")).toEqual(["silent"]);
    await expect(names('gt(first_token_time, "soon")')).rejects.toThrow(
      /\[422\].*first_token_time takes seconds/,
    );
  });

  it("first_token_time of a root is the earliest in its trace, as the root shows it", async () => {
    const client = fixture.client();
    const start = Date.parse("2026-03-01T11:00:00.000Z");
    const roots: Record<string, string> = {};
    for (const [name, tokenMs] of [
      ["agent-slow", 1800],
      ["agent-fast", 300],
    ] as const) {
      const root = new RunTree({
        name,
        run_type: "chain",
        project_name: "ftt-roots",
        inputs: {},
        start_time: start,
        client,
      });
      const llm = root.createChild({
        name: "llm",
        run_type: "llm",
        inputs: {},
        start_time: start + 100,
      });
      llm.events = [{ name: "new_token", time: new Date(start + tokenMs).toISOString() }];
      await llm.end({ a: "ok" }, undefined, start + 2500);
      await root.end({ a: "ok" }, undefined, start + 3000);
      await root.postRun();
      await llm.postRun();
      await client.awaitPendingTraceBatches();
      roots[name] = root.id;
    }
    const rootNames = async (filter: string) =>
      (await collect(client.listRuns({ projectName: "ftt-roots", isRoot: true, filter }))).map((r) => r.name);
    expect(await rootNames('gt(first_token_time, "1s")')).toEqual(["agent-slow"]);
    expect(await rootNames('lt(first_token_time, "500ms")')).toEqual(["agent-fast"]);
    expect(await rootNames("eq(first_token_time, null)")).toEqual([]);
    const shown = await client.readRun(roots["agent-slow"]!);
    expect(Date.parse(String(shown.first_token_time)) - start).toBe(1800);
  });
});

describe("metadata_key/metadata_value example filters through the SDK's listExamples", () => {
  it("matches one metadata entry when key and value come together in and()", async () => {
    const client = fixture.client();
    const dataset = await client.createDataset("filter-examples");
    await client.createExamples({
      datasetId: dataset.id,
      inputs: [{ n: 1 }, { n: 2 }, { n: 3 }],
      metadata: [{ source: "cli", level: 2 }, { source: "web", other: "cli" }, {}],
    });
    const inputs = async (filter: string) =>
      (await collect(client.listExamples({ datasetId: dataset.id, filter }))).map((e) => e.inputs.n).sort();
    expect(await inputs('and(eq(metadata_key, "source"), eq(metadata_value, "cli"))')).toEqual([1]);
    expect(await inputs('eq(metadata_value, "cli")')).toEqual([1, 2]);
    expect(await inputs('eq(metadata_key, "source")')).toEqual([1, 2]);
    expect(await inputs('and(eq(metadata_key, "level"), gt(metadata_value, 1))')).toEqual([1]);
    expect(await inputs('not(eq(metadata_key, "source"))')).toEqual([3]);
    expect(await inputs('exists(metadata, "other")')).toEqual([2]);
    expect(await inputs('in(metadata_value, ["web", 2])')).toEqual([1, 2]);
    expect(await inputs('and(eq(metadata_key, "source"), in(metadata_value, ["web", "api"]))')).toEqual([2]);
    expect(await inputs('and(in(metadata_key, ["other", "level"]), eq(metadata_value, "cli"))')).toEqual([2]);
    await expect(inputs("in(metadata_value, [])")).rejects.toThrow(/\[422\].*non-empty list of texts/);
  });
});
