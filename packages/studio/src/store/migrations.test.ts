import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { loadNodeSqlite } from "./load-node-sqlite.ts";
import { applyMigrations, migrations } from "./migrations.ts";
import { openStudioDatabase } from "./open-studio-database.ts";
import { pruneStudio } from "./prune-studio.ts";
import { StudioStore } from "./studio-store.ts";

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

  it("gives a database of schema 11 the index of queued runs by run (migration 12), once", () => {
    const path = join(dir, "eleven.db");
    openStudioDatabase(path).close();
    const raw = new (loadNodeSqlite().DatabaseSync)(path);
    raw.exec("DROP INDEX annotation_queue_runs_run; DELETE FROM schema_migrations WHERE version = 12");
    raw.close();
    const db = openStudioDatabase(path);
    const plan = db
      .prepare(
        "EXPLAIN QUERY PLAN SELECT queue_id FROM annotation_queue_runs WHERE run_id = ? AND status = ?",
      )
      .all("r", "needs_review");
    expect(plan.map((row) => String(row.detail)).join("\n")).toContain("annotation_queue_runs_run");
    db.close();
    // Applied to a database that has the index already (by hand, or from a renumbered branch).
    const again = new (loadNodeSqlite().DatabaseSync)(path);
    again.exec("DELETE FROM schema_migrations WHERE version = 12");
    again.close();
    openStudioDatabase(path).close();
  });

  it("counts each session's runs from migration 13 on: backfilled, then kept by ingest and deletion", () => {
    const path = join(dir, "twelve.db");
    const raw = new (loadNodeSqlite().DatabaseSync)(path);
    applyMigrations(
      raw,
      migrations.filter((m) => m.version <= 12),
    );
    raw.exec(`
      INSERT INTO sessions (id, name, start_time) VALUES ('a', 'alpha', 'x'), ('b', 'beta', 'x'), ('c', 'gamma', 'x');
      INSERT INTO runs (id, session_id) VALUES ('1', 'a'), ('2', 'a'), ('3', 'a'), ('4', 'b'), ('5', NULL);
    `);
    raw.close();
    const store = StudioStore.open(path);
    const counts = () =>
      Object.fromEntries(store.sessions.list({ offset: 0, limit: 10 }).map((s) => [s.name, s.run_count]));
    expect(counts()).toEqual({ alpha: 3, beta: 1, gamma: 0 });
    const early = randomUUID();
    store.transaction(() =>
      store.runs.ingest([
        { kind: "post", run: { id: randomUUID(), name: "new", run_type: "chain", session_name: "gamma" } },
        // An update that came before its create has no session; its create brings it.
        { kind: "patch", run: { id: early, end_time: "2026-01-01T00:00:01Z" } },
      ]),
    );
    expect(counts()).toEqual({ alpha: 3, beta: 1, gamma: 1 });
    store.transaction(() =>
      store.runs.ingest([
        { kind: "post", run: { id: early, name: "late", run_type: "chain", session_name: "beta" } },
      ]),
    );
    expect(counts()).toEqual({ alpha: 3, beta: 2, gamma: 1 });
    // Prune takes its runs off their projects' counts (runs 1 and 2 are roots that started in 2020).
    store.db.exec("UPDATE runs SET start_time = '2020-01-01T00:00:00.000000Z' WHERE id IN ('1', '2')");
    expect(pruneStudio(store, { before: new Date("2021-01-01T00:00:00Z") }).runs).toBe(2);
    expect(counts()).toEqual({ alpha: 1, beta: 2, gamma: 1 });
    store.sessions.delete(store.sessions.list({ name: "beta", offset: 0, limit: 1 })[0]?.id ?? "");
    expect(counts()).toEqual({ alpha: 1, gamma: 1 });
    store.close();
  });

  it("mends the run counts of a database made by migration 13's first form (triggers on insert and move)", () => {
    const path = join(dir, "first-thirteen.db");
    const raw = new (loadNodeSqlite().DatabaseSync)(path);
    applyMigrations(
      raw,
      migrations.filter((m) => m.version <= 13),
    );
    // What commit c71bae1's migration 13 added beside the delete trigger.
    raw.exec(`
      CREATE TRIGGER runs_count_insert AFTER INSERT ON runs WHEN NEW.session_id IS NOT NULL BEGIN
        UPDATE sessions SET run_count = run_count + 1 WHERE id = NEW.session_id;
      END;
      CREATE TRIGGER runs_count_move AFTER UPDATE OF session_id ON runs
        WHEN OLD.session_id IS NOT NEW.session_id BEGIN
        UPDATE sessions SET run_count = run_count - 1 WHERE id = OLD.session_id;
        UPDATE sessions SET run_count = run_count + 1 WHERE id = NEW.session_id;
      END;
      INSERT INTO sessions (id, name, start_time) VALUES ('a', 'alpha', 'x');
      INSERT INTO runs (id, session_id) VALUES ('1', 'a'), ('2', 'a');
    `);
    raw.close();
    const store = StudioStore.open(path);
    const count = () => store.sessions.list({ name: "alpha", offset: 0, limit: 1 })[0]?.run_count;
    expect(count()).toBe(2);
    // Ingest counts each run once: the old insert trigger would count it again.
    store.transaction(() =>
      store.runs.ingest([
        { kind: "post", run: { id: randomUUID(), name: "new", run_type: "chain", session_name: "alpha" } },
      ]),
    );
    expect(count()).toBe(3);
    const triggers = store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all();
    expect(triggers.map((t) => String(t.name)).filter((name) => name.startsWith("runs_count_"))).toEqual([]);
    store.close();
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

  it("is created once when several processes open a new file at the same moment", async () => {
    // Parallel CLI runs (CI jobs, xargs -P) open the default database together; one of them used
    // to re-apply a migration another had just applied ("duplicate column name") and ran untraced.
    const opener = fileURLToPath(new URL("./open-studio-database.ts", import.meta.url));
    const script = `const { openStudioDatabase } = await import(${JSON.stringify(opener)});
const start = Number(process.argv[2]);
while (Date.now() < start) {}
openStudioDatabase(process.argv[1]).close();`;
    for (let round = 0; round < 3; round++) {
      const path = join(dir, `raced-${round}.db`);
      const start = Date.now() + 600;
      const codes = await Promise.all(
        Array.from(
          { length: 6 },
          () =>
            new Promise<{ code: number | null; stderr: string }>((resolve) => {
              const child = spawn(
                process.execPath,
                [
                  "--disable-warning=ExperimentalWarning",
                  "--input-type=module",
                  "-e",
                  script,
                  path,
                  String(start),
                ],
                { stdio: ["ignore", "ignore", "pipe"] },
              );
              let stderr = "";
              child.stderr.on("data", (chunk: Buffer) => {
                stderr += chunk.toString();
              });
              child.once("exit", (code) => resolve({ code, stderr }));
            }),
        ),
      );
      expect(codes).toEqual(Array.from({ length: 6 }, () => ({ code: 0, stderr: "" })));
      const db = openStudioDatabase(path);
      const versions = db.prepare("SELECT version FROM schema_migrations ORDER BY version").all();
      expect(versions.map((v) => v.version)).toEqual(migrations.map((m) => m.version));
      db.close();
    }
  }, 60_000);

  it("waits for another process's migration of the file, saying so once, and names it when that takes too long", async () => {
    const path = join(dir, "migrating.db");
    const raw = new (loadNodeSqlite().DatabaseSync)(path);
    raw.exec("PRAGMA journal_mode = WAL");
    applyMigrations(
      raw,
      migrations.filter((m) => m.version <= 15),
    );
    raw.close();
    const here = (file: string) => JSON.stringify(fileURLToPath(new URL(file, import.meta.url)));
    // Another process's migration 16, its backfill holding the write lock past the 5 s busy timeout.
    const holder = `const { loadNodeSqlite } = await import(${here("./load-node-sqlite.ts")});
const { applyMigrations, migrations } = await import(${here("./migrations.ts")});
const db = new (loadNodeSqlite().DatabaseSync)(process.argv[1]);
const slow = migrations.filter((m) => m.version <= 16).map((m) => m.version < 16 ? m : { ...m, up(d) {
  m.up(d);
  process.stdout.write("locked\\n");
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 8000);
} });
applyMigrations(db, slow);
db.close();`;
    const opener = `const { openStudioDatabase } = await import(${here("./open-studio-database.ts")});
const wait = process.argv[2] === "" ? undefined : Number(process.argv[2]);
try {
  openStudioDatabase(process.argv[1], { migrationWaitMs: wait }).close();
} catch (error) {
  process.stdout.write(error.code + ": " + error.message);
  process.exitCode = 1;
}`;
    const node = (script: string, args: string[]) => {
      const child = spawn(
        process.execPath,
        ["--disable-warning=ExperimentalWarning", "--input-type=module", "-e", script, path, ...args],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
        child.once("exit", (code) => resolve({ code, stdout, stderr })),
      );
      return { child, exit, stdout: () => stdout };
    };
    const migrating = node(holder, []);
    await expect.poll(migrating.stdout, { timeout: 20_000 }).toContain("locked");
    const [waiting, impatient] = [node(opener, [""]), node(opener, ["0"])];
    const refused = await impatient.exit;
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(
      /^STUDIO_DB_OPEN: .*migrating\.db stayed locked by another process .*migrating it/,
    );
    expect(refused.stdout).not.toContain("move the file away");
    const waited = await waiting.exit;
    expect(waited).toMatchObject({ code: 0, stdout: "" });
    expect(waited.stderr).toBe(`catena: waiting for another process's migration of ${path}…\n`);
    expect((await migrating.exit).code).toBe(0);
    const db = openStudioDatabase(path);
    const versions = db.prepare("SELECT version FROM schema_migrations ORDER BY version").all();
    expect(versions.map((v) => v.version)).toEqual(migrations.map((m) => m.version));
    db.close();
  }, 60_000);
});
