import type { Migration } from "./migration.ts";

/** Comparative experiments and dataset versions. */
export const datasetMigrations: readonly Migration[] = [
  {
    version: 8,
    name: "comparative experiments",
    up(db) {
      db.exec(`
        CREATE TABLE comparative_experiments (
          id TEXT PRIMARY KEY,
          name TEXT,
          description TEXT,
          reference_dataset_id TEXT NOT NULL,
          experiment_ids TEXT NOT NULL,
          extra TEXT,
          created_at TEXT NOT NULL,
          modified_at TEXT NOT NULL
        );
        CREATE INDEX comparative_experiments_dataset ON comparative_experiments (reference_dataset_id, created_at);
      `);
    },
  },
  {
    version: 9,
    name: "dataset versions",
    up(db) {
      // Every state of every example, written by triggers so that no write path can skip it: a
      // dataset "as of" a time is, per example, its last state at or before that time.
      const now = "strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000Z'";
      db.exec(`
        CREATE TABLE example_versions (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          example_id TEXT NOT NULL,
          dataset_id TEXT NOT NULL,
          version TEXT NOT NULL,
          inputs TEXT,
          outputs TEXT,
          metadata TEXT,
          source_run_id TEXT,
          created_at TEXT NOT NULL,
          deleted INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX example_versions_example ON example_versions (example_id, version, seq);
        CREATE INDEX example_versions_dataset ON example_versions (dataset_id, version);
        INSERT INTO example_versions (example_id, dataset_id, version, inputs, outputs, metadata, source_run_id, created_at)
          SELECT id, dataset_id, modified_at, inputs, outputs, metadata, source_run_id, created_at FROM examples;
        CREATE TRIGGER examples_version_insert AFTER INSERT ON examples BEGIN
          INSERT INTO example_versions (example_id, dataset_id, version, inputs, outputs, metadata, source_run_id, created_at)
          VALUES (NEW.id, NEW.dataset_id, NEW.modified_at, NEW.inputs, NEW.outputs, NEW.metadata, NEW.source_run_id, NEW.created_at);
        END;
        CREATE TRIGGER examples_version_update AFTER UPDATE ON examples BEGIN
          INSERT INTO example_versions (example_id, dataset_id, version, inputs, outputs, metadata, source_run_id, created_at)
          VALUES (NEW.id, NEW.dataset_id, NEW.modified_at, NEW.inputs, NEW.outputs, NEW.metadata, NEW.source_run_id, NEW.created_at);
        END;
        CREATE TRIGGER examples_version_delete AFTER DELETE ON examples BEGIN
          INSERT INTO example_versions (example_id, dataset_id, version, created_at, deleted)
          VALUES (OLD.id, OLD.dataset_id, ${now}, OLD.created_at, 1);
        END;
        CREATE TABLE dataset_tags (
          dataset_id TEXT NOT NULL,
          tag TEXT NOT NULL,
          as_of TEXT NOT NULL,
          PRIMARY KEY (dataset_id, tag)
        );
      `);
    },
  },
];
