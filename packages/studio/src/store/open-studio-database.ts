import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { loadNodeSqlite } from "./load-node-sqlite.ts";
import { applyMigrations, beginWaiting, MIGRATION_WAIT_MS } from "./migrations.ts";
import { isSqliteBusy } from "./sqlite-busy.ts";
import { StudioDatabaseError } from "./studio-database-error.ts";
import { fillUnderivedRoots } from "./underived-roots.ts";

/** How {@link openStudioDatabase} waits for another process's migration of the same file. */
export interface OpenStudioDatabaseOptions {
  /** How long to wait for it, past the 5 s busy timeout (default 120 s). */
  migrationWaitMs?: number;
}

/**
 * Opens (creating it and its folder if needed) the studio's SQLite file in WAL mode, so that
 * readers never wait for the writer, and brings its schema up to date. `":memory:"` gives a
 * throw-away database.
 */
export function openStudioDatabase(path: string, options: OpenStudioDatabaseOptions = {}): DatabaseSync {
  let db: DatabaseSync;
  try {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    db = new (loadNodeSqlite().DatabaseSync)(path);
  } catch (error) {
    throw new StudioDatabaseError(
      "STUDIO_DB_OPEN",
      `Cannot open the studio database ${path}: ${(error as Error).message}. Pass another path: --db for catena studio, CATENA_STUDIO_DB for the other commands, dbPath in code.`,
      { cause: error, details: { path } },
    );
  }
  const waitMs = options.migrationWaitMs ?? MIGRATION_WAIT_MS;
  try {
    // First: another process opening the same file at the same moment (parallel CLI runs) holds
    // its lock for a moment, and every statement below must wait for it rather than fail.
    db.exec("PRAGMA busy_timeout = 5000");
    // Switching to WAL can answer SQLITE_BUSY at once, without the busy handler, while another
    // process is switching the same new file: wait a little and ask again, up to the same 5 s.
    whileBusy(() => db.exec("PRAGMA journal_mode = WAL"), 5000);
    // NORMAL is durable across application crashes in WAL mode; only a power loss can drop the
    // last transactions, which is acceptable for traces and much faster than FULL.
    db.exec("PRAGMA synchronous = NORMAL");
    const wait = {
      waitMs,
      // Said once: the open seems to hang otherwise, for as long as the other's backfill takes.
      onWaiting: () => process.stderr.write(`catena: waiting for another process's migration of ${path}…\n`),
    };
    applyMigrations(db, undefined, wait);
    // The tier and Trends' values of the roots that lack them: all of them right after migrations
    // 15 and 16, else those an older studio sharing the file wrote since (migration 17). In chunks,
    // a transaction each: a process killed mid-way leaves the rest to the next open.
    let told = false;
    const fillWait = {
      waitMs,
      onWaiting: () => {
        if (!told) process.stderr.write(`catena: waiting for another process writing to ${path}…\n`);
        told = true;
      },
    };
    fillUnderivedRoots(db, { begin: () => beginWaiting(db, fillWait) });
  } catch (error) {
    db.close();
    if (error instanceof StudioDatabaseError) throw error;
    if (isSqliteBusy(error)) {
      const seconds = Math.round((waitMs + 5000) / 1000);
      throw new StudioDatabaseError(
        "STUDIO_DB_OPEN",
        `The studio database ${path} stayed locked by another process for ${seconds} s: most likely another catena process migrating it to a newer schema (a large database takes minutes). Let that process finish and try again, or stop it; the file itself is fine.`,
        { cause: error, details: { path, busy: true } },
      );
    }
    throw new StudioDatabaseError(
      "STUDIO_DB_OPEN",
      `The studio database ${path} cannot be used: ${(error as Error).message}. Pass another path (--db for catena studio, CATENA_STUDIO_DB for the other commands, dbPath in code), or move the file away.`,
      { cause: error, details: { path } },
    );
  }
  return db;
}

/** Runs `statement`, again after a short sleep while SQLite says the database is busy, up to `ms`. */
function whileBusy(statement: () => void, ms: number): void {
  const until = Date.now() + ms;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      statement();
      return;
    } catch (error) {
      if (!isSqliteBusy(error) || Date.now() >= until) throw error;
      Atomics.wait(pause, 0, 0, 10 + Math.random() * 20);
    }
  }
}
