import type { Migration } from "./migration.ts";

/** Catena's own tables, not LangSmith's: runs paused at a review, and chain descriptions for the web page. */
export const catenaMigrations: readonly Migration[] = [
  {
    version: 3,
    name: "runs paused at a review, and their decisions",
    up(db) {
      db.exec(`
        CREATE TABLE reviews (
          run_id TEXT PRIMARY KEY,
          trace_id TEXT NOT NULL,
          review_run_id TEXT NOT NULL UNIQUE,
          project TEXT,
          chain TEXT NOT NULL,
          version TEXT,
          step TEXT NOT NULL,
          prompt TEXT,
          decision_schema TEXT,
          snapshot TEXT NOT NULL,
          created_at TEXT NOT NULL,
          status TEXT NOT NULL,
          decision TEXT,
          reviewer TEXT,
          decided_at TEXT
        );
        CREATE INDEX reviews_by_status ON reviews (status, created_at);
      `);
    },
  },
  {
    version: 4,
    name: "chain descriptions for the web page",
    up(db) {
      db.exec(`
        CREATE TABLE chain_descriptions (
          fingerprint TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          version TEXT NOT NULL,
          description TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
      `);
    },
  },
];
