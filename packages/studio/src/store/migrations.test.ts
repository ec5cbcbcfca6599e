import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadNodeSqlite } from "./load-node-sqlite.ts";
import { migrations } from "./migrations.ts";
import { openStudioDatabase } from "./open-studio-database.ts";

const dir = mkdtempSync(join(tmpdir(), "catena-studio-migrations-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the studio database", () => {
  it("is created in WAL mode with every migration recorded once", () => {
    const path = join(dir, "fresh.db");
    openStudioDatabase(path).close();
    const db = openStudioDatabase(path);
    const versions = db.prepare("SELECT version FROM schema_migrations ORDER BY version").all();
    expect(versions.map((v) => v.version)).toEqual(migrations.map((m) => m.version));
    expect(db.prepare("PRAGMA journal_mode").get()?.journal_mode).toBe("wal");
    const indexes = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'runs'")
      .all();
    expect(indexes.map((i) => i.name)).toEqual(
      expect.arrayContaining(["runs_trace", "runs_session_start", "runs_start"]),
    );
    db.close();
  });

  it("refuses a database of a newer schema, naming the file and the way out", () => {
    const path = join(dir, "newer.db");
    openStudioDatabase(path).close();
    const raw = new (loadNodeSqlite().DatabaseSync)(path);
    raw
      .prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 'now')")
      .run();
    raw.close();
    expect(() => openStudioDatabase(path)).toThrow(/schema version 999, newer than this studio knows.*--db/);
  });
});
