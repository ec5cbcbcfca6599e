import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openStudioDatabase } from "./open-studio-database.ts";
import { queryRunPage } from "./run-page-query.ts";

const dir = mkdtempSync(join(tmpdir(), "catena-run-page-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the runs page beside a root whose metadata SQLite cannot read", () => {
  it("lists it with no metadata values, and its filters still answer", () => {
    const db = openStudioDatabase(join(dir, "deep.db"));
    try {
      db.exec(`INSERT INTO sessions (id, name, start_time) VALUES ('s', 'p', '2026-01-01T00:00:00Z')`);
      const insert = db.prepare(
        `INSERT INTO runs (id, trace_id, session_id, run_type, start_time, status, error, extra)
          VALUES (?, ?, 's', 'chain', ?, 'error', 'boom', ?)`,
      );
      // 1,100 levels: stored before the ingest's depth limit; json_extract calls it malformed.
      const deep = `{"metadata":{"chain":"c","x":${"[".repeat(1_100)}${"]".repeat(1_100)}}}`;
      insert.run("deep", "deep", "2026-01-01T00:00:01Z", deep);
      insert.run("plain", "plain", "2026-01-01T00:00:02Z", JSON.stringify({ metadata: { chain: "c" } }));
      // Written as an older studio would: no tier nor Trends' values, read from the metadata.
      const page = queryRunPage(db, { project: "s", limit: 10 });
      expect(page.runs.map((run) => [run.id, run.chain, run.status])).toEqual([
        ["plain", "c", "error"],
        ["deep", null, "error"],
      ]);
      expect(queryRunPage(db, { project: "s", limit: 10, status: "error" }).runs).toHaveLength(2);
      expect(queryRunPage(db, { project: "s", limit: 10, chain: "c" }).runs.map((run) => run.id)).toEqual([
        "plain",
      ]);
    } finally {
      db.close();
    }
  });
});
