import { TREND_COLUMNS } from "../trend-columns.ts";
import { UNDERIVED_ROOTS_INDEX, underivedRootSql } from "../underived-roots.ts";
import type { Migration } from "./migration.ts";

/** Rowids per statement when migration 10 indexes the runs already stored. */
const SEARCH_BACKFILL_CHUNK = 50_000;

/** What the studio derives from runs to read them fast: thread ids, the full-text search index, run counts of sessions. */
export const runsMigrations: readonly Migration[] = [
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
  {
    version: 14,
    name: "run counts kept by their writers only",
    up(db) {
      // Migration 13 was rewritten under its number: a database made by its first form has
      // triggers on insert and on a run's session changing as well, which count every run a
      // second time on top of RunStore's counts. Its delete trigger goes too: it updated the
      // session once per deleted run, so pruning 100,000 runs made 100,000 updates; prune now
      // subtracts its counts per session (prune-studio.ts), and deleting a project deletes its
      // session first. The recount mends counts the extra triggers doubled; IF EXISTS and the
      // recount make this safe on any database.
      db.exec(`
        DROP TRIGGER IF EXISTS runs_count_insert;
        DROP TRIGGER IF EXISTS runs_count_move;
        DROP TRIGGER IF EXISTS runs_count_delete;
        UPDATE sessions SET run_count = (SELECT count(*) FROM runs WHERE runs.session_id = sessions.id);
      `);
    },
  },
  {
    version: 15,
    name: "answering tier of root runs",
    up(db) {
      // The runs page's tier column and filter, Trends and the experiments read each root run's
      // tier (answering-tier.ts): evaluated on every read, its rule (~7 json_extract and a lookup
      // of the trace's steps per root) made a rare tier's filter on 300,000 roots take 6.5 s. Each
      // root now stores it once, and the index finds a tier's roots newest first without reading
      // the others. RunStore keeps it on every write of a root and of a step that can decide it.
      // The roots stored before are given theirs after migration 17, at open, in chunks of a
      // transaction each (fillUnderivedRoots): this migration's first form did it here, in its one
      // transaction, which made the WAL as large as the runs table on a multi-GB file.
      db.exec(`ALTER TABLE runs ADD COLUMN answering_tier TEXT;
        CREATE INDEX runs_session_root_tier ON runs (session_id, answering_tier, start_time, id)
          WHERE parent_run_id IS NULL`);
    },
  },
  {
    version: 16,
    name: "trend values of root runs",
    up(db) {
      // Trends reads every root of a project in its window (70,000 at 1,000,000 runs) and took
      // ~6 json_extract of each root's metadata (chain, version, model, status, cost, latency):
      // 406 ms of CPU for 30 days. Each root now stores them (trend-columns.ts), kept by RunStore on
      // every write of a root (they depend on the root's row only), and one index holds them
      // beside the project and start time, so Trends reads no root's row. Columns without a type:
      // a value is kept as json_extract gives it (a version 2 stays a number, as Trends showed it).
      // The roots stored before are given theirs after migration 17, at open, in chunks
      // (fillUnderivedRoots), with their tier: this migration's first form filled them here, in its
      // one transaction (12 s per 100,000 roots holding the write lock, the WAL growing to the
      // size of the runs table).
      for (const column of TREND_COLUMNS) db.exec(`ALTER TABLE runs ADD COLUMN ${column}`);
      db.exec(`CREATE INDEX runs_session_root_trends ON runs (session_id, start_time, ${TREND_COLUMNS.join(", ")},
          answering_tier, id, parent_run_id) WHERE parent_run_id IS NULL`);
    },
  },
  {
    version: 17,
    name: "root runs without their derived values",
    up(db) {
      // The roots stored before migrations 15 and 16, and those a studio of before them still
      // running on the same file (a long-lived \`catena studio\`, a CLI run of the old version)
      // writes, have no tier or Trends' values, and nothing would give them later: Trends left
      // them out of every chain. This index holds such roots only (empty but for them: RunStore
      // fills a root in the statement after inserting it), so opening the database finds and
      // fills them, a chunk per transaction, without reading the others (underived-roots.ts).
      db.exec(
        `CREATE INDEX ${UNDERIVED_ROOTS_INDEX} ON runs (parent_run_id) WHERE ${underivedRootSql("runs")}`,
      );
    },
  },
  {
    version: 18,
    name: "root runs rewritten by an older studio",
    up(db) {
      // A studio of before migration 16 still running on the same file rewrites a root (its end,
      // its error, its metadata) without its Trends' values, which would stay those of its first
      // write: the runs page's filters and Trends would read stale values. This trigger lives in the
      // file, so the older process runs it too: it makes such a root's values NULL, i.e. underived
      // (migration 17's index), read from its metadata by the page's filters (run-page-query.ts)
      // and filled again at the next open. RunStore's own rewrite makes trend_failed NULL in the
      // same statement and stores the values in the next, so the trigger does not fire for it.
      // The columns Trends' values are computed from (trend-columns.ts), and the parent.
      db.exec(`CREATE TRIGGER runs_root_trends_reset
        AFTER UPDATE OF extra, error, status, total_cost, start_time, end_time, parent_run_id ON runs
        WHEN NEW.parent_run_id IS NULL AND NEW.trend_failed IS NOT NULL BEGIN
          UPDATE runs SET ${TREND_COLUMNS.map((c) => `${c} = NULL`).join(", ")} WHERE rowid = NEW.rowid;
        END`);
    },
  },
];
