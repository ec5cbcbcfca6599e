import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { answeringTierSql } from "./answering-tier.ts";
import { loadNodeSqlite } from "./load-node-sqlite.ts";
import { applyMigrations, migrations } from "./migrations.ts";
import { openStudioDatabase } from "./open-studio-database.ts";
import { TREND_COLUMNS, trendValuesSql } from "./trend-columns.ts";
import { fillUnderivedRoots } from "./underived-roots.ts";

const dir = mkdtempSync(join(tmpdir(), "catena-studio-underived-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ROOTS = 4_000;
const INPUT_BYTES = 4_000;

/** A database at schema 14 (before the tier and Trends' values) with ROOTS traces of a root and a step. */
function schema14(path: string): void {
  const raw = new (loadNodeSqlite().DatabaseSync)(path);
  raw.exec("PRAGMA journal_mode = WAL");
  applyMigrations(
    raw,
    migrations.filter((m) => m.version <= 14),
  );
  raw.exec(`
    INSERT INTO sessions (id, name, start_time) VALUES ('s', 'old', '2026-01-01T00:00:00Z');
    WITH RECURSIVE t(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM t WHERE n < ${ROOTS - 1})
    INSERT INTO runs (id, trace_id, session_id, parent_run_id, run_type, start_time, end_time, status, error, inputs, extra)
    SELECT 'r' || n, 'r' || n, 's', NULL, 'chain', '2026-01-01T00:00:01Z', '2026-01-01T00:00:02Z',
      CASE WHEN n % 7 = 0 THEN 'error' ELSE 'success' END, CASE WHEN n % 7 = 0 THEN 'boom' END,
      json_object('text', printf('%.${INPUT_BYTES}c', 'x'), 'n', n),
      json_object('metadata', json_object('chain', 'c' || (n % 3), 'version', n % 2, 'model', CASE WHEN n % 5 = 0 THEN 'gpt' END,
        'cost_usd', n / 1000.0, 'ms', n % 50, 'tier', CASE WHEN n % 4 = 0 THEN 'rules' END))
    FROM t;
    WITH RECURSIVE t(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM t WHERE n < ${ROOTS - 1})
    INSERT INTO runs (id, trace_id, session_id, parent_run_id, run_type, start_time, inputs)
    SELECT 'c' || n, 'r' || n, 's', 'r' || n, CASE WHEN n % 2 = 0 THEN 'llm' ELSE 'tool' END,
      '2026-01-01T00:00:01Z', '{"q": 1}'
    FROM t;
    UPDATE sessions SET run_count = (SELECT count(*) FROM runs);
  `);
  raw.close();
}

/** Every run's own data (not the derived columns), hashed: what a fill must never change. */
function runsDigest(db: DatabaseSync): string {
  const hash = createHash("sha256");
  const rows = db
    .prepare(
      "SELECT id, trace_id, parent_run_id, status, error, inputs, outputs, extra FROM runs ORDER BY id",
    )
    .all();
  for (const row of rows) hash.update(JSON.stringify(row));
  return `${rows.length}:${hash.digest("hex")}`;
}

const underived = (db: DatabaseSync) =>
  Number(
    db
      .prepare(
        "SELECT count(*) AS n FROM runs WHERE parent_run_id IS NULL AND (trend_failed IS NULL OR answering_tier IS NULL)",
      )
      .get()?.n,
  );

/** Roots whose stored tier or Trends' values differ from what their rules give now. */
function wrongRoots(db: DatabaseSync): number {
  const values = trendValuesSql("r");
  const differs = [
    `r.answering_tier IS NOT (${answeringTierSql("r")})`,
    ...TREND_COLUMNS.map((column) => `r.${column} IS NOT (${values[column]})`),
  ];
  return Number(
    db
      .prepare(
        `SELECT count(*) AS n FROM runs AS r WHERE r.parent_run_id IS NULL AND (${differs.join(" OR ")})`,
      )
      .get()?.n,
  );
}

describe("the tier and Trends' values of the roots stored before migrations 15 and 16", () => {
  it("are filled at open in bounded chunks, each committed: a kill mid-way loses nothing and the next open finishes", async () => {
    const path = join(dir, "killed.db");
    schema14(path);
    const before = (() => {
      const raw = new (loadNodeSqlite().DatabaseSync)(path);
      const digest = runsDigest(raw);
      raw.close();
      return digest;
    })();
    // Another process opens the file: it migrates, then fills 256 KB of roots (about 60) per
    // transaction, slowed down so that it can be killed mid-way.
    const here = (file: string) => JSON.stringify(fileURLToPath(new URL(file, import.meta.url)));
    const script = `const { loadNodeSqlite } = await import(${here("./load-node-sqlite.ts")});
const { applyMigrations } = await import(${here("./migrations.ts")});
const { fillUnderivedRoots } = await import(${here("./underived-roots.ts")});
const db = new (loadNodeSqlite().DatabaseSync)(process.argv[1]);
db.exec("PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL");
applyMigrations(db);
const pause = new Int32Array(new SharedArrayBuffer(4));
fillUnderivedRoots(db, {
  chunk: { roots: 2000, bytes: 256 * 1024 },
  onChunk(filled) {
    process.stdout.write("filled " + filled + "\\n");
    Atomics.wait(pause, 0, 0, 15);
  },
});
process.stdout.write("done\\n");`;
    const child = spawn(
      process.execPath,
      ["--disable-warning=ExperimentalWarning", "--input-type=module", "-e", script, path],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    const filledSoFar = () => Math.max(0, ...[...stdout.matchAll(/filled (\d+)/g)].map((m) => Number(m[1])));
    await expect.poll(filledSoFar, { timeout: 30_000, interval: 5 }).toBeGreaterThanOrEqual(ROOTS / 4);
    child.kill("SIGKILL");
    await exited;
    expect(stdout).not.toContain("done");
    const chunks = [...stdout.matchAll(/filled (\d+)/g)].map((m) => Number(m[1]));
    // Bounded by bytes: each chunk filled at most 256 KB of roots (64 here) past its first.
    const sizes = chunks.map((n, i) => n - (chunks[i - 1] ?? 0));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(Math.ceil((256 * 1024) / INPUT_BYTES) + 1);
    // The WAL held about a chunk at a time (and SQLite's checkpoints), not every root's rewrite.
    expect(statSync(`${path}-wal`).size).toBeLessThan(ROOTS * INPUT_BYTES * 0.5);
    // Its committed chunks stayed.
    const raw = new (loadNodeSqlite().DatabaseSync)(path);
    const left = underived(raw);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(ROOTS - chunks.at(-1)!);
    expect(wrongRoots(raw) - left).toBe(0);
    raw.close();

    // The next open goes on from where it stopped.
    const db = openStudioDatabase(path);
    expect(underived(db)).toBe(0);
    expect(wrongRoots(db)).toBe(0);
    expect(runsDigest(db)).toBe(before);
    const versions = db.prepare("SELECT version FROM schema_migrations ORDER BY version").all();
    expect(versions.map((v) => v.version)).toEqual(migrations.map((m) => m.version));
    // Child runs get none of them.
    expect(
      db
        .prepare(
          "SELECT count(*) AS n FROM runs WHERE parent_run_id IS NOT NULL AND answering_tier IS NOT NULL",
        )
        .get()?.n,
    ).toBe(0);
    db.close();
  }, 60_000);

  it("bounds a chunk by roots as well as by bytes, and takes one root larger than the byte bound alone", () => {
    const path = join(dir, "chunks.db");
    schema14(path);
    const db = new (loadNodeSqlite().DatabaseSync)(path);
    // 4,000 commits of one root: no sync at each.
    db.exec("PRAGMA synchronous = OFF");
    applyMigrations(db);
    const seen: number[] = [];
    expect(fillUnderivedRoots(db, { chunk: { roots: 1_500, bytes: 1 }, onChunk: (n) => seen.push(n) })).toBe(
      ROOTS,
    );
    expect(seen.slice(0, 3)).toEqual([1, 2, 3]);
    db.exec("UPDATE runs SET trend_failed = NULL WHERE parent_run_id IS NULL");
    seen.length = 0;
    expect(
      fillUnderivedRoots(db, { chunk: { roots: 1_500, bytes: 1e9 }, onChunk: (n) => seen.push(n) }),
    ).toBe(ROOTS);
    expect(seen).toEqual([1_500, 3_000, 4_000]);
    expect(wrongRoots(db)).toBe(0);
    db.close();
  });
  it("fills a root whose metadata is nested deeper than SQLite's JSON functions read, and the file opens", () => {
    const path = join(dir, "deep.db");
    schema14(path);
    const raw = new (loadNodeSqlite().DatabaseSync)(path);
    // 1,100 levels: stored before the ingest's depth limit, SQLite's json_extract calls it malformed.
    const deep = `{"metadata":{"chain":"deep","model":"gpt","n":${"[".repeat(1_100)}${"]".repeat(1_100)}}}`;
    raw
      .prepare(
        `INSERT INTO runs (id, trace_id, session_id, parent_run_id, run_type, start_time, end_time, status, error, extra)
          VALUES ('deep', 'deep', 's', NULL, 'chain', '2026-01-01T00:00:01Z', '2026-01-01T00:00:03Z', 'error', 'boom', ?)`,
      )
      .run(deep);
    expect(() =>
      raw.prepare("SELECT json_extract(extra, '$.metadata.chain') FROM runs WHERE id = 'deep'").get(),
    ).toThrow(/malformed JSON/);
    raw.close();
    const db = openStudioDatabase(path);
    expect(underived(db)).toBe(0);
    expect(wrongRoots(db)).toBe(0);
    // Its metadata counts as none: its values come from its own columns.
    expect(
      db
        .prepare(
          `SELECT answering_tier AS tier, trend_chain AS chain, trend_model AS model, trend_failed AS failed,
            trend_cost AS cost, round(trend_ms) AS ms FROM runs WHERE id = 'deep'`,
        )
        .get(),
    ).toEqual({ tier: "none", chain: null, model: null, failed: 1, cost: 0, ms: 2000 });
    db.close();
    // And again: a later open has nothing to fill.
    const again = openStudioDatabase(path);
    expect(underived(again)).toBe(0);
    again.close();
  });
});
