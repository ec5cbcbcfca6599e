import { randomBytes, randomUUID } from "node:crypto";
import type { Migration } from "./migration.ts";

/** Feedback configs (with the key that signs attachment URLs), annotation queues and their index by run. */
export const feedbackMigrations: readonly Migration[] = [
  {
    version: 2,
    name: "feedback configs and the key that signs attachment URLs",
    up(db) {
      db.exec(`
        CREATE TABLE feedback_configs (
          feedback_key TEXT PRIMARY KEY,
          id TEXT NOT NULL,
          feedback_config TEXT NOT NULL,
          is_lower_score_better INTEGER,
          modified_at TEXT NOT NULL
        );
      `);
      // A 1–5 rating is what reviewers give by default (the CLI's and the studio's); change it with PATCH /feedback-configs.
      db.prepare(
        "INSERT INTO feedback_configs (feedback_key, id, feedback_config, is_lower_score_better, modified_at) VALUES ('rating', ?, ?, 0, ?)",
      ).run(randomUUID(), JSON.stringify({ type: "continuous", min: 1, max: 5 }), new Date().toISOString());
      db.prepare("INSERT INTO studio_meta (key, value) VALUES ('url_signing_key', ?)").run(
        randomBytes(32).toString("hex"),
      );
    },
  },
  {
    version: 7,
    name: "annotation queues",
    up(db) {
      db.exec(`
        CREATE TABLE annotation_queues (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          description TEXT,
          default_dataset TEXT,
          num_reviewers_per_item INTEGER NOT NULL DEFAULT 1,
          enable_reservations INTEGER NOT NULL DEFAULT 1,
          reservation_minutes INTEGER,
          rubric_instructions TEXT,
          rubric_items TEXT,
          metadata TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
        CREATE TABLE annotation_queue_runs (
          id TEXT PRIMARY KEY,
          queue_id TEXT NOT NULL REFERENCES annotation_queues (id) ON DELETE CASCADE,
          run_id TEXT NOT NULL,
          added_at TEXT NOT NULL,
          last_reviewed_time TEXT,
          status TEXT NOT NULL DEFAULT 'needs_review',
          UNIQUE (queue_id, run_id)
        );
        CREATE INDEX annotation_queue_runs_queue ON annotation_queue_runs (queue_id, added_at, id);
      `);
    },
  },
  {
    version: 12,
    name: "annotation queue runs by run",
    up(db) {
      // The review page asks which queues hold each run it lists: without it, a scan of every queue.
      // IF NOT EXISTS: a database that got the index by hand (or from a renumbered branch) keeps it.
      db.exec(
        "CREATE INDEX IF NOT EXISTS annotation_queue_runs_run ON annotation_queue_runs (run_id, status)",
      );
    },
  },
];
