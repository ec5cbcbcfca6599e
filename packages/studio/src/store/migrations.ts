import { randomBytes, randomUUID } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";
import { StudioDatabaseError } from "./studio-database-error.ts";

/** Rowids per statement when migration 10 indexes the runs already stored. */
const SEARCH_BACKFILL_CHUNK = 50_000;

/** One schema change; applied once, in order, inside a transaction. */
export interface Migration {
  version: number;
  name: string;
  up(db: DatabaseSync): void;
}

/**
 * The studio's schema, as an ordered list of migrations. Never edit a released migration: append a
 * new one, so that existing databases are brought forward by `applyMigrations`.
 */
export const migrations: readonly Migration[] = [
  {
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
  },
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
  {
    version: 5,
    name: "thread ids of runs",
    up(db) {
      // LangSmith's thread id: the first of these metadata keys a run carries (see thread-id.ts).
      // The index holds a thread's turns (its root runs) only, and covers grouping them by thread
      // (parent_run_id, always NULL in it, is there so that SQLite needs no row to check it).
      db.exec(`
        ALTER TABLE runs ADD COLUMN thread_id TEXT;
        UPDATE runs SET thread_id = coalesce(
          json_extract(extra, '$.metadata.session_id'),
          json_extract(extra, '$.metadata.thread_id'),
          json_extract(extra, '$.metadata.conversation_id'))
        WHERE extra IS NOT NULL AND json_valid(extra);
        CREATE INDEX runs_session_thread ON runs (session_id, thread_id, start_time, parent_run_id)
          WHERE thread_id IS NOT NULL AND parent_run_id IS NULL;
      `);
    },
  },
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
  {
    version: 10,
    name: "full-text search index of root runs",
    up(db) {
      // Root runs' name, inputs, outputs and error in an FTS5 index of trigrams: any substring of 3
      // or more characters is found without reading the runs (run-search.ts). Contentless, so the
      // text is not stored twice. Each root has two rows: rowid * 2 holds its name and inputs,
      // rowid * 2 + 1 its outputs and error once it has them, so a running root is searchable and
      // its end does not tokenise its inputs again (run-search-index.ts). Run rowids are kept by
      // VACUUM (runs has indexes, so SQLite copies rowids as they are). Child runs stay out: the
      // page lists roots, and their LLM payloads would make the index several times larger.
      // RunStore, the only writer of runs, keeps the index in step on insert and update; a
      // trigger does it on delete (project deletion, prune).
      db.exec(`
        CREATE VIRTUAL TABLE runs_search USING fts5(
          name, inputs, outputs, error,
          content = '', contentless_delete = 1, tokenize = 'trigram'
        );
        CREATE TRIGGER runs_search_delete AFTER DELETE ON runs WHEN OLD.parent_run_id IS NULL BEGIN
          DELETE FROM runs_search WHERE rowid = OLD.rowid * 2;
          DELETE FROM runs_search WHERE rowid = OLD.rowid * 2 + 1
            AND (OLD.outputs IS NOT NULL OR OLD.error IS NOT NULL);
        END;
      `);
      // The runs stored so far, in rowid ranges: each statement holds one range's text in memory.
      const chunks = [
        `INSERT INTO runs_search (rowid, name, inputs)
           SELECT rowid * 2, name, inputs FROM runs
           WHERE rowid > ? AND rowid <= ? AND parent_run_id IS NULL`,
        `INSERT INTO runs_search (rowid, outputs, error)
           SELECT rowid * 2 + 1, outputs, error FROM runs
           WHERE rowid > ? AND rowid <= ? AND parent_run_id IS NULL
             AND (outputs IS NOT NULL OR error IS NOT NULL)`,
      ].map((sql) => db.prepare(sql));
      const last = Number(db.prepare("SELECT coalesce(max(rowid), 0) AS n FROM runs").get()?.n ?? 0);
      for (let from = 0; from < last; from += SEARCH_BACKFILL_CHUNK)
        for (const chunk of chunks) chunk.run(from, from + SEARCH_BACKFILL_CHUNK);
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
  {
    version: 13,
    name: "run counts of sessions",
    up(db) {
      // The projects page shows each project's run count: counting a project of 700,000 runs on
      // every visit reads its whole index range, so the count is kept on the session instead.
      // RunStore, the only writer of runs, adds the runs each ingest inserts (or moves into a
      // session: an update that came before its create) in one statement per session; a trigger
      // takes deleted runs off (project deletion, prune). Not triggers on insert and update: a
      // trigger that writes another table makes SQLite keep a statement journal for every run
      // written, which tripled the CPU cost of ingesting one.
      db.exec(`
        ALTER TABLE sessions ADD COLUMN run_count INTEGER NOT NULL DEFAULT 0;
        UPDATE sessions SET run_count = (SELECT count(*) FROM runs WHERE runs.session_id = sessions.id);
        CREATE TRIGGER runs_count_delete AFTER DELETE ON runs WHEN OLD.session_id IS NOT NULL BEGIN
          UPDATE sessions SET run_count = run_count - 1 WHERE id = OLD.session_id;
        END;
      `);
    },
  },
];

/**
 * Brings a database to the newest schema: creates `schema_migrations` if needed and applies, each
 * in its own transaction, the migrations it has not seen. Returns the versions it applied (not
 * those another process applied meanwhile: each is checked again once its transaction holds the lock).
 */
export function applyMigrations(db: DatabaseSync, list: readonly Migration[] = migrations): number[] {
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
    db.exec("BEGIN IMMEDIATE");
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
