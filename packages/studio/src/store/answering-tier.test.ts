import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadNodeSqlite } from "./load-node-sqlite.ts";
import { applyMigrations, migrations } from "./migrations.ts";
import type { RunOperation } from "./run-fields.ts";
import { queryRunPage } from "./run-page-query.ts";
import { StudioStore } from "./studio-store.ts";
import { queryTrends } from "./trends-query.ts";

const dir = mkdtempSync(join(tmpdir(), "catena-studio-tier-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();

/** A root run and its steps as the tracer sends them: each created, then ended. */
function trace(
  project: string,
  chain: string,
  minutesAgo: number,
  rootMetadata: Record<string, unknown>,
  steps: Array<{ run_type: string; metadata: Record<string, unknown> }>,
): { root: RunOperation[]; steps: RunOperation[] } {
  const id = randomUUID();
  const start = at(minutesAgo);
  const dotted = `${start.replace(/[-:.Z]/g, "")}000Z${id}`;
  const extra = (metadata: Record<string, unknown>) => ({ metadata });
  return {
    root: [
      {
        kind: "post",
        run: {
          id,
          trace_id: id,
          dotted_order: dotted,
          name: chain,
          run_type: "chain",
          start_time: start,
          session_name: project,
          inputs: {},
          extra: extra({ chain }),
        },
      },
      { kind: "patch", run: { id, end_time: start, outputs: {}, extra: extra({ chain, ...rootMetadata }) } },
    ],
    steps: steps.map((step, i): RunOperation => {
      const stepId = randomUUID();
      return {
        kind: "post",
        run: {
          id: stepId,
          trace_id: id,
          dotted_order: `${dotted}.${start.replace(/[-:.Z]/g, "")}00${i}Z${stepId}`,
          parent_run_id: id,
          name: `step-${i}`,
          run_type: step.run_type,
          start_time: start,
          end_time: start,
          session_name: project,
          inputs: {},
          outputs: {},
          extra: extra(step.metadata),
        },
      };
    }),
  };
}

const tiersOf = (store: StudioStore, project: string) =>
  Object.fromEntries(queryRunPage(store.db, { project, limit: 50 }).runs.map((r) => [r.chain, r.tier]));

describe("the answering tier of a root run", () => {
  it("is stored as runs arrive, also when an LLM or knn step arrives after its root ended", () => {
    const store = StudioStore.open(join(dir, "ingest.db"));
    const llmLate = trace("p", "llm-late", 1, {}, [{ run_type: "llm", metadata: { kind: "llm" } }]);
    const knn = trace("p", "knn-only", 2, { tokens_in: 0 }, [
      { run_type: "retriever", metadata: { kind: "knn" } },
    ]);
    const codeOnly = trace("p", "code-only", 3, { tokens_in: 0 }, [
      { run_type: "tool", metadata: { kind: "code" } },
    ]);
    const cascade = trace("p", "cascade", 4, { tier: "rules" }, [
      { run_type: "llm", metadata: { kind: "llm" } },
    ]);
    // The roots first, ended; their steps after (the SDK's batches can send them in any order).
    store.transaction(() => store.runs.ingest([llmLate, knn, codeOnly, cascade].flatMap((t) => t.root)));
    expect(tiersOf(store, store.sessions.list({ name: "p", offset: 0, limit: 1 })[0]?.id ?? "")).toEqual({
      "llm-late": "none",
      "knn-only": "none",
      "code-only": "none",
      cascade: "rules",
    });
    store.transaction(() => store.runs.ingest([llmLate, knn, codeOnly, cascade].flatMap((t) => t.steps)));
    const project = store.sessions.list({ name: "p", offset: 0, limit: 1 })[0]?.id ?? "";
    expect(tiersOf(store, project)).toEqual({
      "llm-late": "llm",
      "knn-only": "knn",
      "code-only": "none",
      cascade: "rules",
    });
    // The filter reads the stored tier through its own index.
    const only = (tier: string) =>
      queryRunPage(store.db, { project, tier, limit: 50 }).runs.map((r) => r.chain);
    expect(only("knn")).toEqual(["knn-only"]);
    expect(only("llm")).toEqual(["llm-late"]);
    const plan = store.db
      .prepare(
        "EXPLAIN QUERY PLAN SELECT rowid FROM runs INDEXED BY runs_session_root_tier WHERE session_id = ? AND answering_tier = ? AND parent_run_id IS NULL ORDER BY start_time DESC, id DESC",
      )
      .all(project, "knn");
    expect(plan.map((row) => String(row.detail)).join("\n")).not.toContain("TEMP B-TREE");
    store.close();
  });

  it("is filtered whatever its case, through the tier's index, every stored spelling newest first", () => {
    const store = StudioStore.open(join(dir, "case.db"));
    // Tier names are step names: one tracer wrote `Human`, another `human`, and `humans` is another tier.
    const runs = [
      trace("c", "first", 1, { tier: "Human" }, []),
      trace("c", "second", 2, { tier: "human" }, []),
      trace("c", "third", 3, { tier: "Human" }, []),
      trace("c", "plural", 4, { tier: "humans" }, []),
      trace(
        "c",
        "classified",
        5,
        { model: "3f9a1c0be4d2877a6c5e0f1b2d3c4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f" },
        [],
      ),
      trace("c", "llm", 6, { tier: "llm" }, []),
    ];
    store.transaction(() => store.runs.ingest(runs.flatMap((t) => [...t.root, ...t.steps])));
    const project = store.sessions.list({ name: "c", offset: 0, limit: 1 })[0]?.id ?? "";
    const only = (tier: string, limit = 50) =>
      queryRunPage(store.db, { project, tier, limit }).runs.map((r) => r.chain);
    expect(only("Classifier")).toEqual(["classified"]);
    expect(only("LLM")).toEqual(["llm"]);
    expect(only("HUMAN")).toEqual(["first", "second", "third"]);
    expect(only("human")).toEqual(["first", "second", "third"]);
    expect(only("Humans")).toEqual(["plural"]);
    expect(only("hum")).toEqual([]);
    // Paged with the cursor, the spellings stay in one newest-first order.
    const first = queryRunPage(store.db, { project, tier: "HUMAN", limit: 2 });
    expect(first.runs.map((r) => r.chain)).toEqual(["first", "second"]);
    const rest = queryRunPage(store.db, { project, tier: "HUMAN", limit: 2, cursor: first.next ?? "" });
    expect(rest.runs.map((r) => r.chain)).toEqual(["third"]);
    store.close();
  });

  it("counts in Trends' LLM share every run of tier llm, a cascade's answered from the cache too", () => {
    const store = StudioStore.open(join(dir, "trends.db"));
    const runs = [
      // A cascade's llm tier answered from the cache: no tokens.
      trace("t", "route", 1, { tier: "llm", tokens_in: 0 }, []),
      trace("t", "route", 2, { tier: "llm", tokens_in: 90 }, []),
      trace("t", "route", 3, { tier: "rules", tokens_in: 0 }, []),
      trace("t", "route", 4, { tier: "rules", tokens_in: 0 }, []),
    ];
    store.transaction(() => store.runs.ingest(runs.flatMap((t) => [...t.root, ...t.steps])));
    const project = store.sessions.list({ name: "t", offset: 0, limit: 1 })[0]?.id ?? "";
    const [row] = queryTrends(store.db, { project, days: 1 });
    expect(row?.tiers).toEqual({ llm: 2, rules: 2 });
    expect(row?.llm_share).toBe(0.5);
    store.close();
  });

  it("is given to the runs of a database at schema 14 by migration 15", () => {
    const path = join(dir, "fourteen.db");
    const raw = new (loadNodeSqlite().DatabaseSync)(path);
    applyMigrations(
      raw,
      migrations.filter((m) => m.version <= 14),
    );
    raw.exec(`
      INSERT INTO sessions (id, name, start_time) VALUES ('s', 'old', '2026-01-01T00:00:00Z');
      INSERT INTO runs (id, trace_id, session_id, parent_run_id, run_type, start_time, extra) VALUES
        ('a', 'a', 's', NULL, 'chain', '2026-01-01T00:00:01Z', '{"metadata":{"chain":"cascade","tier":"ml"}}'),
        ('b', 'b', 's', NULL, 'chain', '2026-01-01T00:00:02Z', '{"metadata":{"chain":"plain"}}'),
        ('b1', 'b', 's', 'b', 'llm', '2026-01-01T00:00:02Z', '{"metadata":{"kind":"llm"}}'),
        ('c', 'c', 's', NULL, 'chain', '2026-01-01T00:00:03Z', '{"metadata":{"chain":"code"}}');
    `);
    raw.close();
    const store = StudioStore.open(path);
    expect(tiersOf(store, "s")).toEqual({ cascade: "ml", plain: "llm", code: "none" });
    expect(
      store.db.prepare("SELECT answering_tier FROM runs WHERE id = 'b1'").get()?.answering_tier,
    ).toBeNull();
    store.close();
  });
});
