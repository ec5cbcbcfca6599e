import type { Migration } from "./migration.ts";

/** Shared runs and threads, and shared datasets (public links). */
export const sharingMigrations: readonly Migration[] = [
  {
    version: 6,
    name: "shared runs",
    up(db) {
      db.exec(`
        CREATE TABLE run_shares (
          share_token TEXT PRIMARY KEY,
          run_id TEXT NOT NULL UNIQUE,
          created_at TEXT NOT NULL
        );
        CREATE TABLE thread_shares (
          share_token TEXT PRIMARY KEY,
          session_id TEXT NOT NULL,
          thread_id TEXT NOT NULL,
          created_at TEXT NOT NULL,
          UNIQUE (session_id, thread_id)
        );
      `);
    },
  },
  {
    version: 11,
    name: "shared datasets",
    up(db) {
      db.exec(`
        CREATE TABLE dataset_shares (
          share_token TEXT PRIMARY KEY,
          dataset_id TEXT NOT NULL UNIQUE,
          created_at TEXT NOT NULL
        );
      `);
    },
  },
];
