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
        if (round === 0 && i === 0) {
          // A child carrying a chain, model and status of its own: never a row of the page.
          const child = run.createChild({
            name: "step",
            run_type: "llm",
            extra: { metadata: { chain: "refunds", model: "claude", status: "error" } },
          });
          await child.postRun();
          await child.end({ ok: true });
          await child.patchRun();
        }
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
      // What an older studio sharing the file writes (after this open, which filled what it found):
      // a root without Trends' values, and a root rewritten without them (migration 18's trigger
      // makes its values NULL, else they would be those of its first write).
      db.prepare(
        `INSERT INTO runs (id, trace_id, session_id, parent_run_id, name, run_type, start_time, end_time, status, inputs, extra)
          VALUES ('old-root', 'old-root', ?, NULL, 'old', 'chain', '2026-11-01T00:00:05.500Z',
            '2026-11-01T00:00:06Z', 'success', '{}', ?)`,
      ).run(
        project,
        JSON.stringify({
          metadata: { chain: "triage", version: "1.0.0", model: "gpt-4o-mini", status: "error" },
        }),
      );
      db.prepare("UPDATE runs SET extra = ? WHERE name = 'root-0-0'").run(
        JSON.stringify({
          metadata: { chain: "refunds", version: "1.0.0", model: "claude", status: "error" },
        }),
      );
      expect(
        db
          .prepare(
            "SELECT name, trend_chain, trend_failed FROM runs WHERE name IN ('old', 'root-0-0') ORDER BY name",
          )
          .all()
          .map((row) => ({ ...row })),
      ).toEqual([
        { name: "old", trend_chain: null, trend_failed: null },
        { name: "root-0-0", trend_chain: null, trend_failed: null },
      ]);
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
      // 3 a round, the older studio's root and the rewritten one.
      expect(await count({ status: "error" })).toBe(4 * 3 + 2);
      // 3 a round, the older studio's root, not the rewritten one.
      expect(await count({ model: "gpt-4o-mini" })).toBe(4 * 3 + 1 - 1);
      expect(await count({ chain: "refunds" })).toBe(4 * 3 + 1);
      expect(await count({ chain: "triage", version: "1.0.0" })).toBe(4 - 1 + 1);
      expect(await count({ version: "2" })).toBe(4);
      expect(await count({ chain: "3" })).toBe(0);
      // These filters are read from the index of Trends' values: the plan of the page's own statement.
      for (const query of [{ status: "error" }, { chain: "triage", version: "1.0.0" }, { model: "claude" }]) {
        let plan = "";
        queryRunPage(db, { project, limit: 5, ...query }, { onPlan: (p) => (plan = p) });
        expect(plan, JSON.stringify(query)).toContain(
          "SEARCH r USING INDEX runs_session_root_trends (session_id=?)",
        );
        // The roots are walked in start order (only the ids of a same start time are sorted).
        expect(plan, JSON.stringify(query)).not.toContain("SCAN r");
        expect(plan, JSON.stringify(query)).toContain("USE TEMP B-TREE FOR LAST TERM OF ORDER BY");
      }
    } finally {
      db.close();
    }
  });
});
