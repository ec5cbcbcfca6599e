import { randomUUID } from "node:crypto";
import type { Migration } from "./migration.ts";

/** Migration 1: the tables of LangSmith's tracing, feedback and dataset API as the studio first stored them. */
export const initialSchema: Migration = {
  version: 1,
  name: "initial schema",
  up(db) {
    db.exec(`
        CREATE TABLE studio_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

        CREATE TABLE sessions (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL UNIQUE,
          description TEXT,
          extra TEXT,
          reference_dataset_id TEXT,
          start_time TEXT NOT NULL,
          end_time TEXT
        );

        CREATE TABLE runs (
          id TEXT PRIMARY KEY,
          trace_id TEXT,
          dotted_order TEXT,
          parent_run_id TEXT,
          session_id TEXT,
          name TEXT,
          run_type TEXT,
          start_time TEXT,
          end_time TEXT,
          status TEXT NOT NULL DEFAULT 'pending',
          error TEXT,
          inputs TEXT,
          outputs TEXT,
          extra TEXT,
          events TEXT,
          serialized TEXT,
          tags TEXT,
          reference_example_id TEXT,
          first_token_time TEXT,
          prompt_tokens INTEGER,
          completion_tokens INTEGER,
          total_tokens INTEGER,
          prompt_cost REAL,
          completion_cost REAL,
          total_cost REAL,
          has_post INTEGER NOT NULL DEFAULT 0,
          has_patch INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX runs_trace ON runs (trace_id, dotted_order);
        CREATE INDEX runs_session_start ON runs (session_id, start_time, id);
        CREATE INDEX runs_session_root_start ON runs (session_id, start_time, id) WHERE parent_run_id IS NULL;
        CREATE INDEX runs_start ON runs (start_time, id);
        CREATE INDEX runs_parent ON runs (parent_run_id);

        CREATE TABLE run_attachments (
          run_id TEXT NOT NULL,
          name TEXT NOT NULL,
          mime_type TEXT NOT NULL,
          data BLOB NOT NULL,
          PRIMARY KEY (run_id, name)
        );

        CREATE TABLE feedback (
          id TEXT PRIMARY KEY,
          run_id TEXT,
          trace_id TEXT,
          session_id TEXT,
          key TEXT NOT NULL,
          score REAL,
          value TEXT,
          comment TEXT,
          correction TEXT,
          feedback_source TEXT,
          feedback_config TEXT,
          comparative_experiment_id TEXT,
          start_time TEXT,
          created_at TEXT NOT NULL,
          modified_at TEXT NOT NULL
        );
        CREATE INDEX feedback_run ON feedback (run_id, key);
        CREATE INDEX feedback_key_created ON feedback (key, created_at);

        CREATE TABLE feedback_tokens (
          id TEXT PRIMARY KEY,
          run_id TEXT NOT NULL,
          feedback_key TEXT NOT NULL,
          feedback_config TEXT,
          expires_at TEXT NOT NULL,
          created_at TEXT NOT NULL
        );
        CREATE INDEX feedback_tokens_run ON feedback_tokens (run_id);

        CREATE TABLE datasets (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL UNIQUE,
          description TEXT,
          data_type TEXT NOT NULL,
          extra TEXT,
          inputs_schema_definition TEXT,
          outputs_schema_definition TEXT,
          created_at TEXT NOT NULL,
          modified_at TEXT NOT NULL
        );

        CREATE TABLE examples (
          id TEXT PRIMARY KEY,
          dataset_id TEXT NOT NULL,
          inputs TEXT NOT NULL,
          outputs TEXT,
          metadata TEXT,
          source_run_id TEXT,
          created_at TEXT NOT NULL,
          modified_at TEXT NOT NULL
        );
        CREATE INDEX examples_dataset ON examples (dataset_id, created_at, id);

        CREATE TABLE example_attachments (
          example_id TEXT NOT NULL,
          name TEXT NOT NULL,
          mime_type TEXT NOT NULL,
          data BLOB NOT NULL,
          PRIMARY KEY (example_id, name)
        );
      `);
    db.prepare("INSERT INTO studio_meta (key, value) VALUES ('tenant_id', ?)").run(randomUUID());
  },
};
