import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadNodeSqlite } from "./load-node-sqlite.ts";
import { applyMigrations, migrations } from "./migrations.ts";
import { openStudioDatabase } from "./open-studio-database.ts";
import { pruneStudio, vacuumStudio } from "./prune-studio.ts";
import { queryRunPage } from "./run-page-query.ts";
import { queryRuns } from "./run-query.ts";
import { compileRunSearch, SEARCH_CANDIDATE_LIMIT, searchCandidates } from "./run-search.ts";
import { StudioStore } from "./studio-store.ts";

const dir = mkdtempSync(join(tmpdir(), "catena-run-search-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DAY = 86_400_000;

/** Stores a root run with one child through the store's write path; returns the root's id. */
function trace(
  store: StudioStore,
  project: string,
  inputs: unknown,
  outputs: unknown,
  options: { start?: number; childText?: string; name?: string; error?: string } = {},
): string {
  const root = randomUUID();
  const start = new Date(options.start ?? Date.now()).toISOString();
  store.transaction(() =>
    store.runs.ingest([
      {
        kind: "post",
        run: {
          id: root,
          name: options.name ?? "triage",
          run_type: "chain",
          session_name: project,
          start_time: start,
          inputs,
          ...(options.error === undefined ? {} : { error: options.error }),
        },
      },
      {
        kind: "post",
        run: {
          id: randomUUID(),
          name: "step",
          run_type: "tool",
          parent_run_id: root,
          trace_id: root,
          session_name: project,
          start_time: start,
          inputs: { text: options.childText ?? "a step" },
        },
      },
      { kind: "patch", run: { id: root, outputs, end_time: start } },
    ]),
  );
  return root;
}

function pageIds(store: StudioStore, project: string, search: string, path?: "index" | "scan"): string[] {
  const projectId = store.sessions.resolveForRun(undefined, project) as string;
  const ids: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = queryRunPage(
      store.db,
      { project: projectId, search, limit: 2, ...(cursor === undefined ? {} : { cursor }) },
      path === undefined ? {} : { searchPath: path },
    );
    ids.push(...page.runs.map((r) => r.id));
    if (page.next === null) return ids;
    cursor = page.next;
  }
}

describe("full-text search over runs (FTS5 trigram index, migration 10)", () => {
  it("finds the same runs through the index as by reading every run, page by page", () => {
    const store = StudioStore.open(":memory:");
    const t0 = Date.now() - DAY;
    const texts = [
      "My Printer broke",
      "refund for order 12345",
      'a "quoted" word',
      "50% off * sale",
      "printer ink",
      "nothing here",
      "École ouverte",
    ];
    texts.forEach((text, i) => {
      trace(store, "p", { ticket: text }, { label: i % 2 === 0 ? "hardware" : "billing" }, { start: t0 + i });
    });
    trace(store, "other", { ticket: "printer elsewhere" }, { label: "hardware" });
    for (const q of [
      "printer",
      "PRINTER",
      "order 123",
      '"quoted"',
      "% off *",
      "hardware",
      "bill",
      "zz",
      "p",
      "absent",
    ]) {
      const scan = pageIds(store, "p", q, "scan");
      expect(pageIds(store, "p", q, "index"), q).toEqual(scan);
      expect(pageIds(store, "p", q), q).toEqual(scan);
    }
    expect(pageIds(store, "p", "printer")).toHaveLength(2);
    expect(pageIds(store, "p", "HARDWARE")).toHaveLength(4);
    expect(pageIds(store, "p", "école")).toEqual([]);
    store.close();
  });

  it("asks the index when the text has 3 characters or more and few runs hold it, and reads runs otherwise", () => {
    const store = StudioStore.open(":memory:");
    trace(store, "p", { ticket: "rare words" }, { ok: true });
    const compile = (text: string) => compileRunSearch(store.db, "r", text, ["inputs", "outputs"]).path;
    expect(compile("rare")).toBe("index");
    expect(compile("ra")).toBe("scan");
    expect(searchCandidates(store.db, "rare", 0)).toBeUndefined();
    expect(searchCandidates(store.db, "rare")).toHaveLength(1);
    expect(SEARCH_CANDIDATE_LIMIT).toBeGreaterThan(0);
    store.close();
  });

  it("keeps LangSmith's search() over name, inputs, outputs and error of roots and children alike", () => {
    const store = StudioStore.open(":memory:");
    const a = trace(store, "q", { ticket: "alpha" }, { ok: 1 }, { childText: "needle in a child" });
    const b = trace(store, "q", { ticket: "beta" }, { ok: 1 }, { name: "needle-chain" });
    const c = trace(store, "q", { ticket: "gamma" }, { ok: 1 }, { error: "NEEDLE_FAILED: fix it" });
    const session = store.sessions.resolveForRun(undefined, "q") as string;
    const found = queryRuns(store.db, {
      session: [session],
      filter: 'search("needle")',
      limit: 100,
      order: "desc",
    });
    const ids = found.runs.map((r) => (r.parent_run_id === null ? r.id : `child of ${r.parent_run_id}`));
    expect(ids.sort()).toEqual([b, c, `child of ${a}`].sort());
    const roots = queryRuns(store.db, {
      session: [session],
      filter: 'and(eq(is_root, true), not(search("needle")))',
      limit: 100,
      order: "desc",
    });
    expect(roots.runs.map((r) => r.id)).toEqual([a]);
    // Roots only (is_root: true): the search index names the candidates, children need no scan.
    const rootHits = queryRuns(store.db, {
      session: [session],
      isRoot: true,
      filter: 'search("NEEDLE")',
      limit: 100,
      order: "desc",
    });
    expect(rootHits.runs.map((r) => r.id).sort()).toEqual([b, c].sort());
    store.close();
  });

  it("follows updates, deleted projects, prune and VACUUM", () => {
    const path = join(dir, "sync.db");
    const store = StudioStore.open(path);
    const old = trace(
      store,
      "s",
      { ticket: "first words" },
      { label: "kept" },
      { start: Date.now() - 40 * DAY },
    );
    const recent = trace(store, "s", { ticket: "second words" }, { label: "kept" });
    const doomed = trace(store, "gone", { ticket: "second words" }, { label: "kept" });
    expect(searchCandidates(store.db, "second words")).toHaveLength(2);
    // A patch replaces the outputs: the old text leaves the index, the new one enters it.
    store.transaction(() =>
      store.runs.ingest([{ kind: "patch", run: { id: recent, outputs: { label: "changed" } } }]),
    );
    expect(pageIds(store, "s", "changed")).toEqual([recent]);
    expect(pageIds(store, "s", "kept", "index")).toEqual([old]);
    store.sessions.delete(store.sessions.resolveForRun(undefined, "gone") as string);
    expect(searchCandidates(store.db, "second words")).toHaveLength(1);
    pruneStudio(store, { before: new Date(Date.now() - 30 * DAY) });
    expect(searchCandidates(store.db, "first words")).toEqual([]);
    vacuumStudio(store);
    expect(pageIds(store, "s", "second words", "index")).toEqual([recent]);
    expect(doomed).not.toBe(recent);
    store.close();
  });

  it("finds a running root by its inputs, then by its outputs once it ends, indexing each text once", () => {
    const store = StudioStore.open(":memory:");
    const root = randomUUID();
    const rows = () => Number(store.db.prepare("SELECT count(*) AS n FROM runs_search").get()?.n);
    const post = {
      id: root,
      name: "triage",
      run_type: "chain",
      session_name: "live",
      inputs: { ticket: "printer jam" },
    };
    store.transaction(() => store.runs.ingest([{ kind: "post", run: post }]));
    expect(pageIds(store, "live", "printer jam", "index")).toEqual([root]);
    expect(rows()).toBe(1);
    // The end brings the outputs: one more row, the inputs' row is left as it is.
    store.transaction(() =>
      store.runs.ingest([
        {
          kind: "patch",
          run: { id: root, outputs: { label: "printer" }, end_time: new Date().toISOString() },
        },
      ]),
    );
    expect(rows()).toBe(2);
    // Found in both rows, the root is one candidate.
    expect(searchCandidates(store.db, "printer")).toHaveLength(1);
    expect(pageIds(store, "live", "printer", "index")).toEqual([root]);
    // The same patch again changes no indexed text; an error replaces the outputs' row.
    store.transaction(() =>
      store.runs.ingest([{ kind: "patch", run: { id: root, outputs: { label: "printer" } } }]),
    );
    expect(rows()).toBe(2);
    store.transaction(() => store.runs.ingest([{ kind: "patch", run: { id: root, error: "JAM_FAILED" } }]));
    expect(rows()).toBe(2);
    expect(searchCandidates(store.db, "jam_failed")).toHaveLength(1);
    // An update with other inputs replaces the inputs' row only.
    store.transaction(() =>
      store.runs.ingest([{ kind: "patch", run: { id: root, inputs: { ticket: "toner" } } }]),
    );
    expect(rows()).toBe(2);
    expect(pageIds(store, "live", "printer jam", "index")).toEqual([]);
    expect(pageIds(store, "live", "toner", "index")).toEqual([root]);
    store.sessions.delete(store.sessions.resolveForRun(undefined, "live") as string);
    expect(rows()).toBe(0);
    store.close();
  });

  it("indexes the runs a database held before migration 10", () => {
    const path = join(dir, "before-10.db");
    const db = new (loadNodeSqlite().DatabaseSync)(path);
    applyMigrations(
      db,
      migrations.filter((m) => m.version < 10),
    );
    const insert = db.prepare(
      "INSERT INTO runs (id, trace_id, parent_run_id, session_id, name, start_time, inputs, outputs) VALUES (?, ?, ?, 's', 'r', ?, ?, ?)",
    );
    db.exec("BEGIN");
    for (let i = 0; i < 120; i++) {
      const id = randomUUID();

      insert.run(
        id,
        id,
        null,
        new Date(Date.now() - i * 1000).toISOString(),
        JSON.stringify({ n: `ticket-${i}` }),
        i % 2 === 0 ? JSON.stringify({ label: `label-${i}`, echo: `ticket-${i}` }) : null,
      );
      insert.run(randomUUID(), id, id, new Date().toISOString(), JSON.stringify({ n: `child-${i}` }), null);
    }
    db.exec("COMMIT");
    db.close();
    const migrated = openStudioDatabase(path);
    expect(searchCandidates(migrated, "ticket-11")).toHaveLength(11); // 11, 110..119
    expect(searchCandidates(migrated, "child-")).toEqual([]);
    expect(searchCandidates(migrated, "label-11")).toHaveLength(5); // 110..118, even ones
    expect(Number(migrated.prepare("SELECT count(*) AS n FROM runs_search").get()?.n)).toBe(180);
    migrated.close();
  });
});
