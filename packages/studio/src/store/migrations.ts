import type { DatabaseSync } from "node:sqlite";
import { catenaMigrations } from "./migrations/catena-migrations.ts";
import { datasetMigrations } from "./migrations/dataset-migrations.ts";
import { feedbackMigrations } from "./migrations/feedback-migrations.ts";
import { initialSchema } from "./migrations/initial-schema.ts";
import type { Migration } from "./migrations/migration.ts";
import { runsMigrations } from "./migrations/runs-migrations.ts";
import { sharingMigrations } from "./migrations/sharing-migrations.ts";
import { isSqliteBusy } from "./sqlite-busy.ts";
import { StudioDatabaseError } from "./studio-database-error.ts";

export type { Migration } from "./migrations/migration.ts";

/**
 * The studio's schema, as an ordered list of migrations (each group in its own file under
 * migrations/, by what it is about). Never edit a released migration: append a new one, so that
 * existing databases are brought forward by `applyMigrations`.
 */
export const migrations: readonly Migration[] = [
  initialSchema,
  ...feedbackMigrations,
  ...catenaMigrations,
  ...runsMigrations,
  ...sharingMigrations,
  ...datasetMigrations,
].sort((a, b) => a.version - b.version);

/** How long `applyMigrations` waits for another process's migration, by default: a backfill of a large database takes minutes. */
export const MIGRATION_WAIT_MS = 120_000;

/** How {@link applyMigrations} waits while another process holds the write lock (migrating the same file, say). */
export interface MigrationWait {
  /** How long to go on asking for the lock, past the connection's busy timeout (default {@link MIGRATION_WAIT_MS}). */
  waitMs?: number;
  /** Called once, when the lock was not had within the busy timeout and the waiting goes on. */
  onWaiting?: () => void;
}

/**
 * Brings a database to the newest schema: creates `schema_migrations` if needed and applies, each
 * in its own transaction, the migrations it has not seen. Returns the versions it applied (not
 * those another process applied meanwhile: each is checked again once its transaction holds the lock).
 * While another process holds the write lock (a migration of an older studio: its migrations 15
 * and 16 held it for their whole backfill, 12 s per 100,000 roots; theirs now only add columns,
 * see underived-roots.ts) it asks again for up to `wait.waitMs`; then SQLite's busy error is thrown.
 */
export function applyMigrations(
  db: DatabaseSync,
  list: readonly Migration[] = migrations,
  wait: MigrationWait = {},
): number[] {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
  );
  const applied = new Set(
    db
      .prepare("SELECT version FROM schema_migrations")
      .all()
      .map((row) => Number(row.version)),
  );
  const newest = Math.max(0, ...list.map((m) => m.version));
  const unknown = [...applied].filter((v) => v > newest);
  if (unknown.length > 0) {
    throw new StudioDatabaseError(
      "STUDIO_DB_TOO_NEW",
      `The studio database has schema version ${Math.max(...unknown)}, newer than this studio knows (${newest}): upgrade @catena/studio or use another --db file.`,
      { details: { version: Math.max(...unknown), known: newest } },
    );
  }
  const done: number[] = [];
  for (const migration of [...list].sort((a, b) => a.version - b.version)) {
    if (applied.has(migration.version)) continue;
    beginWaiting(db, wait);
    try {
      // Another process may have applied it while this one waited for the lock.
      if (db.prepare("SELECT 1 FROM schema_migrations WHERE version = ?").get(migration.version)) {
        db.exec("COMMIT");
        continue;
      }
      migration.up(db);
      db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(
        migration.version,
        migration.name,
        new Date().toISOString(),
      );
      db.exec("COMMIT");
    } catch (error) {
      db.exec("ROLLBACK");
      throw error;
    }
    done.push(migration.version);
  }
  return done;
}

/** BEGIN IMMEDIATE, asked again while another connection holds the write lock, up to `wait.waitMs`. */
export function beginWaiting(
  db: DatabaseSync,
  { waitMs = MIGRATION_WAIT_MS, onWaiting }: MigrationWait,
): void {
  const until = Date.now() + waitMs;
  let told = false;
  for (;;) {
    try {
      // Each try waits out the connection's busy timeout first.
      db.exec("BEGIN IMMEDIATE");
      return;
    } catch (error) {
      if (!isSqliteBusy(error) || Date.now() >= until) throw error;
      if (!told) onWaiting?.();
      told = true;
    }
  }
}
