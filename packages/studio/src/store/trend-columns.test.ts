import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "langsmith";
import { afterAll, describe, expect, it } from "vitest";
import { startStudio } from "../start-studio.ts";
import { loadNodeSqlite } from "./load-node-sqlite.ts";
import { applyMigrations, migrations } from "./migrations.ts";
import { StudioStore } from "./studio-store.ts";
import { TREND_COLUMNS } from "./trend-columns.ts";
import { queryTrends } from "./trends-query.ts";

const dir = mkdtempSync(join(tmpdir(), "catena-studio-trend-columns-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Each root's stored trend values beside what its metadata gives (the query before migration 16). */
function storedAndExtracted(store: StudioStore): { stored: unknown[]; extracted: unknown[] } {
  const rows = (sql: string) =>
    store.db.prepare(`SELECT id, ${sql} FROM runs WHERE parent_run_id IS NULL ORDER BY id`).all();
  return {
    stored: rows(TREND_COLUMNS.join(", ")),
    extracted: rows(
      `json_extract(extra, '$.metadata.chain') AS trend_chain, json_extract(extra, '$.metadata.version') AS trend_version,
       json_extract(extra, '$.metadata.model') AS trend_model,
       error IS NOT NULL OR coalesce(json_extract(extra, '$.metadata.status'), status) = 'error' AS trend_failed,
       coalesce(total_cost, json_extract(extra, '$.metadata.cost_usd'), 0) AS trend_cost,
       coalesce(json_extract(extra, '$.metadata.ms'), (julianday(end_time) - julianday(start_time)) * 86400000) AS trend_ms`,
    ),
  };
}

type Step = (client: Client) => Promise<void>;

/**
 * A root and two children (one an LLM call with its cost) as single requests: `order` says in
 * which order the root's create (`post`), the root's end (`patch`) and the children arrive.
 */
function trace(
  project: string,
  minutesAgo: number,
  metadata: Record<string, unknown>,
  order: string,
): Step[] {
  const id = randomUUID();
  const start = Date.now() - minutesAgo * 60_000;
  const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:.Z]/g, "");
  const dotted = `${stamp(start)}000Z${id}`;
  const children = [0, 1].map((i) => ({ id: randomUUID(), i }));
  const steps: Record<string, Step> = {
    post: (client) =>
      client.createRun({
        id,
        trace_id: id,
        dotted_order: dotted,
        name: "root",
        run_type: "chain",
        inputs: { q: minutesAgo },
        start_time: start,
        project_name: project,
        extra: { metadata: { chain: metadata.chain } },
      }),
    patch: (client) =>
      client.updateRun(id, {
        trace_id: id,
        dotted_order: dotted,
        end_time: start + 40 + minutesAgo,
        outputs: { a: 1, ...(metadata.usage === undefined ? {} : { usage_metadata: metadata.usage }) },
        ...(metadata.error === undefined ? {} : { error: String(metadata.error) }),
        extra: { metadata: { ...metadata, usage: undefined, error: undefined } },
      }),
    children: async (client) => {
      for (const child of children)
        await client.createRun({
          id: child.id,
          trace_id: id,
          dotted_order: `${dotted}.${stamp(start + 1)}00${child.i}Z${child.id}`,
          parent_run_id: id,
          name: `step-${child.i}`,
          run_type: child.i === 1 ? "llm" : "tool",
          inputs: {},
          outputs:
            child.i === 1 ? { usage_metadata: { input_tokens: 3, output_tokens: 4, total_cost: 0.25 } } : {},
          start_time: start + 1,
          end_time: start + 5,
          project_name: project,
        });
    },
  };
  return order.split(" ").map((name) => steps[name] as Step);
}

describe("the trend values of root runs", () => {
  it("are kept through the SDK whatever order the root's end and its children arrive in", async () => {
    const dbPath = join(dir, "sdk.db");
    const studio = await startStudio({ dbPath });
    try {
      const client = new Client({ apiUrl: studio.url, apiKey: "x", autoBatchTracing: false });
      const traces = [
        trace(
          "p",
          10,
          { chain: "a", version: "1", model: "gpt-x", tier: "llm", ms: 120 },
          "post patch children",
        ),
        trace("p", 20, { chain: "a", version: "1", cost_usd: 0.5, tier: "rules" }, "post children patch"),
        trace("p", 30, { chain: "a", version: 2, status: "error" }, "patch post children"),
        trace(
          "p",
          40,
          { chain: "b", model: "m", usage: { input_tokens: 1, total_cost: 0.125 } },
          "children patch post",
        ),
        trace("p", 50, { chain: "b", error: "boom", ms: 7.5 }, "children post patch"),
        trace("p", 60, { chain: "b", version: "1" }, "patch children post"),
      ];
      for (const steps of traces) for (const step of steps) await step(client);
    } finally {
      await studio.close();
    }
    const store = StudioStore.open(dbPath);
    const { stored, extracted } = storedAndExtracted(store);
    expect(stored).toHaveLength(6);
    expect(stored).toEqual(extracted);
    const project = store.sessions.list({ name: "p", offset: 0, limit: 1 })[0]?.id ?? "";
    const trends = queryTrends(store.db, { project, days: 1 });
    // Sorted here: the roots' hour ago may lie in yesterday, which would split the day's rows.
    const rows = trends.map((r) => [r.chain, r.version, r.model, r.runs, r.errors, r.cost, r.tiers]);
    expect(rows.sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)))).toEqual([
      ["a", "1", "gpt-x", 1, 0, 0, { llm: 1 }],
      ["a", "1", null, 1, 0, 0.5, { rules: 1 }],
      // A version the tracer sent as a number; an error status; its tier from the late LLM child.
      ["a", "2", null, 1, 1, 0, { llm: 1 }],
      ["b", "1", null, 1, 0, 0, { llm: 1 }],
      // The root's own cost from its usage, its end sent before its create.
      ["b", null, "m", 1, 0, 0.125, { llm: 1 }],
      ["b", null, null, 1, 1, 0, { llm: 1 }],
    ]);
    expect(JSON.stringify(trends)).toBe(
      JSON.stringify(queryTrends(store.db, { project, days: 1 }, { source: "metadata" })),
    );
    expect(JSON.stringify(queryTrends(store.db, { project, days: 1, chain: "b" }))).toBe(
      JSON.stringify(queryTrends(store.db, { project, days: 1, chain: "b" }, { source: "metadata" })),
    );
    store.close();
  });

  it("are given to the root runs of a database at schema 15 by migration 16", () => {
    const path = join(dir, "fifteen.db");
    const raw = new (loadNodeSqlite().DatabaseSync)(path);
    applyMigrations(
      raw,
      migrations.filter((m) => m.version <= 15),
    );
    raw.exec(`
      INSERT INTO sessions (id, name, start_time) VALUES ('s', 'old', '2026-01-01T00:00:00Z');
      INSERT INTO runs (id, trace_id, session_id, parent_run_id, run_type, start_time, end_time, status, error, total_cost, extra) VALUES
        ('a', 'a', 's', NULL, 'chain', '2026-01-01T00:00:01Z', '2026-01-01T00:00:01.250Z', 'success', NULL, NULL,
          '{"metadata":{"chain":"c","version":"1","model":"gpt","tier":"llm","cost_usd":0.5}}'),
        ('b', 'b', 's', NULL, 'chain', '2026-01-01T00:00:02Z', NULL, 'pending', NULL, 0.75,
          '{"metadata":{"chain":"c","version":3,"status":"error","ms":12}}'),
        ('b1', 'b', 's', 'b', 'llm', '2026-01-01T00:00:02Z', NULL, 'success', NULL, 0.75, '{"metadata":{"chain":"x"}}'),
        ('c', 'c', 's', NULL, 'chain', '2026-01-01T00:00:03Z', '2026-01-01T00:00:04Z', 'error', 'boom', NULL, NULL);
    `);
    raw.close();
    const store = StudioStore.open(path);
    const row = (id: string) =>
      store.db.prepare(`SELECT ${TREND_COLUMNS.join(", ")} FROM runs WHERE id = ?`).get(id);
    expect(row("a")).toEqual({
      trend_chain: "c",
      trend_version: "1",
      trend_model: "gpt",
      trend_failed: 0,
      trend_cost: 0.5,
      trend_ms: expect.closeTo(250, 0),
    });
    expect(row("b")).toEqual({
      trend_chain: "c",
      trend_version: 3,
      trend_model: null,
      trend_failed: 1,
      trend_cost: 0.75,
      trend_ms: 12,
    });
    expect(row("b1")).toEqual(Object.fromEntries(TREND_COLUMNS.map((c) => [c, null])));
    expect(row("c")).toMatchObject({ trend_chain: null, trend_failed: 1, trend_cost: 0 });
    const { stored, extracted } = storedAndExtracted(store);
    expect(stored).toEqual(extracted);
    const until = "2026-01-02T00:00:00.000Z";
    expect(JSON.stringify(queryTrends(store.db, { project: "s", days: 2, until }))).toBe(
      JSON.stringify(queryTrends(store.db, { project: "s", days: 2, until }, { source: "metadata" })),
    );
    store.close();
  });

  it("are given at open to roots an older studio wrote without them, and a tier too", () => {
    const path = join(dir, "older-writer.db");
    const raw = new (loadNodeSqlite().DatabaseSync)(path);
    applyMigrations(
      raw,
      migrations.filter((m) => m.version <= 16),
    );
    // A studio of before migration 16 (or 15) still running on the file: its INSERT names none of
    // the derived columns, and it never updates them.
    const oldWrite = (db: typeof raw, id: string, second: number) =>
      db.exec(`INSERT INTO runs (id, trace_id, session_id, parent_run_id, run_type, start_time, end_time, status, extra)
        VALUES ('${id}', '${id}', 's', NULL, 'chain', '2026-01-01T00:00:0${second}Z', '2026-01-01T00:00:0${second}.5Z', 'success',
          '{"metadata":{"chain":"old-chain","version":"2","model":"gpt","tier":"rules"}}')`);
    raw.exec("INSERT INTO sessions (id, name, start_time) VALUES ('s', 'old', '2026-01-01T00:00:00Z')");
    oldWrite(raw, "a", 1);
    raw.close();
    const until = "2026-01-02T00:00:00.000Z";
    const chains = (store: StudioStore) =>
      queryTrends(store.db, { project: "s", days: 2, until }).map((r) => [
        r.chain,
        r.version,
        r.model,
        r.runs,
        r.tiers,
      ]);
    let store = StudioStore.open(path);
    expect(chains(store)).toEqual([["old-chain", "2", "gpt", 1, { rules: 1 }]]);
    // Again once this studio's migrations are all applied: the old process goes on writing.
    oldWrite(store.db, "b", 2);
    store.close();
    store = StudioStore.open(path);
    expect(chains(store)).toEqual([["old-chain", "2", "gpt", 2, { rules: 2 }]]);
    const { stored, extracted } = storedAndExtracted(store);
    expect(stored).toEqual(extracted);
    store.close();
  });

  it("are cleared, with the tier, when an update stored as a root is followed by its create under a parent", () => {
    const store = StudioStore.open(join(dir, "late-create.db"));
    const parent = randomUUID();
    const child = randomUUID();
    const dotted = "20260101T000001000000Z";
    store.transaction(() =>
      store.runs.ingest([
        {
          kind: "post",
          run: {
            id: parent,
            trace_id: parent,
            dotted_order: `${dotted}${parent}`,
            name: "root",
            run_type: "chain",
            session_name: "p",
          },
        },
        {
          kind: "patch",
          run: {
            id: child,
            end_time: "2026-01-01T00:00:02Z",
            extra: { metadata: { chain: "x", tier: "llm" } },
          },
        },
      ]),
    );
    const derived = () =>
      store.db
        .prepare(`SELECT answering_tier, ${TREND_COLUMNS.join(", ")} FROM runs WHERE id = ?`)
        .get(child);
    expect(derived()).toMatchObject({ answering_tier: "llm", trend_chain: "x" });
    store.transaction(() =>
      store.runs.ingest([
        {
          kind: "post",
          run: {
            id: child,
            trace_id: parent,
            dotted_order: `${dotted}${parent}.${dotted}${child}`,
            parent_run_id: parent,
            name: "step",
            run_type: "tool",
            session_name: "p",
          },
        },
      ]),
    );
    expect(derived()).toEqual(Object.fromEntries(["answering_tier", ...TREND_COLUMNS].map((c) => [c, null])));
    store.close();
  });
});
