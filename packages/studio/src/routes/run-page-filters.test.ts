import { RunTree } from "langsmith";
import { describe, expect, it } from "vitest";
import { openStudioDatabase } from "../store/open-studio-database.ts";
import { queryRunPage, type RunPageQuery } from "../store/run-page-query.ts";
import { request, useStudio } from "../studio-fixture.case.ts";

const fixture = useStudio();

/** Root runs sent through the SDK with every kind of value the page's filters compare. */
const roots: Array<{ metadata: Record<string, unknown>; error?: string }> = [
  { metadata: { chain: "triage", version: "1.0.0", model: "gpt-4o-mini", status: "done", tier: "llm" } },
  { metadata: { chain: "triage", version: "1.1.0", model: "gpt-4o-mini", status: "error" } },
  { metadata: { chain: "triage", version: 2, model: "gpt-4o-mini", status: "deferred" } },
  { metadata: { chain: "triage", version: "2", model: 7 } },
  { metadata: { chain: "refunds", version: "1.0.0" }, error: "boom" },
  { metadata: { chain: "refunds", version: "1.0.0", status: "done" }, error: "late failure" },
  { metadata: { chain: "refunds", model: "claude", status: "error", tier: "rules" } },
  { metadata: { chain: 3, model: "7" } },
  { metadata: {} },
];

describe("the runs page's chain, version, model and status filters", () => {
  it("read the values stored for Trends and find byte for byte what the metadata gave", async () => {
    const client = fixture.client();
    const start = Date.parse("2026-11-01T00:00:00Z");
    for (let round = 0; round < 4; round++) {
      for (const [i, root] of roots.entries()) {
        const run = new RunTree({
          name: `root-${round}-${i}`,
          run_type: "chain",
          inputs: { i },
          project_name: "page-filters",
          start_time: start + (round * roots.length + i) * 1000,
          extra: { metadata: root.metadata },
          client,
        });
        await run.postRun();
        await run.end({ ok: true }, root.error, start + (round * roots.length + i) * 1000 + 250);
        await run.patchRun();
      }
    }
    await client.awaitPendingTraceBatches();
    const project = (await client.readProject({ projectName: "page-filters" })).id;

    const queries: Array<Omit<RunPageQuery, "project" | "limit">> = [
      {},
      { chain: "triage" },
      { chain: "3" },
      { chain: "triage", version: "1.0.0" },
      { version: "2" },
      { model: "gpt-4o-mini" },
      { model: "7" },
      { model: "none" },
      { status: "error" },
      { status: "deferred" },
      { status: "done" },
      { status: "success" },
      { status: "error", chain: "refunds" },
      { tier: "llm", model: "gpt-4o-mini" },
      { status: "error", model: "claude", tier: "RULES" },
    ];
    const db = openStudioDatabase(fixture.studio.dbPath);
    try {
      for (const query of queries) {
        for (const limit of [3, 50]) {
          let cursor: string | undefined;
          let pages = 0;
          do {
            const params = new URLSearchParams({
              project,
              limit: String(limit),
              ...(query as Record<string, string>),
              ...(cursor === undefined ? {} : { cursor }),
            });
            const response = await fetch(`${fixture.studio.url}/catena/runs?${params}`);
            const served = await response.text();
            expect(response.status).toBe(200);
            const before = queryRunPage(
              db,
              { project, limit, ...query, ...(cursor === undefined ? {} : { cursor }) },
              { filterSource: "metadata" },
            );
            expect(served, JSON.stringify(query)).toBe(JSON.stringify(before));
            cursor = before.next ?? undefined;
            pages++;
          } while (cursor !== undefined && pages < 20);
        }
      }
      // The filters that matched found runs at all (a test of nothing would pass too).
      const count = async (query: Record<string, string>) => {
        const answer = await request(
          fixture.studio,
          "GET",
          `/catena/runs?${new URLSearchParams({ project, limit: "200", ...query })}`,
        );
        return (answer.body as { runs: unknown[] }).runs.length;
      };
      expect(await count({ status: "error" })).toBe(4 * 3);
      expect(await count({ model: "gpt-4o-mini" })).toBe(4 * 3);
      expect(await count({ version: "2" })).toBe(4);
      expect(await count({ chain: "3" })).toBe(0);
      // The failed runs' filter is read from the index of Trends' values.
      const plan = db
        .prepare(
          `EXPLAIN QUERY PLAN SELECT r.rowid FROM runs AS r INDEXED BY runs_session_root_trends
            WHERE r.session_id = ? AND r.parent_run_id IS NULL AND r.trend_failed = 1 ORDER BY r.start_time DESC LIMIT 5`,
        )
        .all(project)
        .map((row) => String(row.detail))
        .join("\n");
      expect(plan).toContain("runs_session_root_trends");
    } finally {
      db.close();
    }
  });
});
