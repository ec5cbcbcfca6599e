import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { loadNodeSqlite } from "./load-node-sqlite.ts";
import { applyMigrations } from "./migrations.ts";
import { StudioDatabaseError } from "./studio-database-error.ts";

/**
 * Opens (creating it and its folder if needed) the studio's SQLite file in WAL mode, so that
 * readers never wait for the writer, and brings its schema up to date. `":memory:"` gives a
 * throw-away database.
 */
export function openStudioDatabase(path: string): DatabaseSync {
  let db: DatabaseSync;
  try {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    db = new (loadNodeSqlite().DatabaseSync)(path);
  } catch (error) {
    throw new StudioDatabaseError(
      "STUDIO_DB_OPEN",
      `Cannot open the studio database ${path}: ${(error as Error).message}. Pass another path with --db (or dbPath).`,
      { cause: error, details: { path } },
    );
  }
  try {
    // First: another process opening the same file at the same moment (parallel CLI runs) holds
    // its lock for a moment, and every statement below must wait for it rather than fail.
    db.exec("PRAGMA busy_timeout = 5000");
    db.exec("PRAGMA journal_mode = WAL");
    // NORMAL is durable across application crashes in WAL mode; only a power loss can drop the
    // last transactions, which is acceptable for traces and much faster than FULL.
    db.exec("PRAGMA synchronous = NORMAL");
    applyMigrations(db);
  } catch (error) {
    db.close();
    if (error instanceof StudioDatabaseError) throw error;
    throw new StudioDatabaseError(
      "STUDIO_DB_OPEN",
      `The studio database ${path} cannot be used: ${(error as Error).message}. Pass another path with --db (or dbPath), or move the file away.`,
      { cause: error, details: { path } },
    );
  }
  return db;
}
