import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import type { FeedbackSummary, RunPageRow } from "../page-api-shapes.ts";
import { TierSpellings } from "./answering-tier.ts";
import { metadataSql, numberColumn, readableMetadataSql, textColumn } from "./json-column.ts";
import { decodeKeysetCursor, encodeKeysetCursor } from "./keyset-cursor.ts";
import { compileRunSearch, type RunSearchPath } from "./run-search.ts";
import type { TrendColumn } from "./trend-columns.ts";

/** The filters of the web page's runs table (`GET /catena/runs`); every one is optional but `project`. */
export interface RunPageQuery {
  /** Session (project) id. */
  project: string;
  chain?: string;
  version?: string;
  /** Catena's outcome (`done`, `deferred`, `waiting`, `error`, ...) or the LangSmith status. */
  status?: string;
  /** The tier that answered, in any ASCII case (`LLM` finds the `llm` runs). */
  tier?: string;
  model?: string;
  feedbackKey?: string;
  scoreMin?: number;
  scoreMax?: number;
  /** ISO start-time bounds: `from` inclusive, `to` exclusive. */
  from?: string;
  to?: string;
  /** Case-insensitive text that the inputs or outputs contain. */
  search?: string;
  cursor?: string;
  limit: number;
}

/**
 * Where queryRunPage's chain, version, model and status filters read a root's values: the columns
 * it stores for Trends, through their index (`columns`), or its metadata as before (`metadata`;
 * for comparisons: the same rows, slower).
 */
export type RunPageFilterSource = "columns" | "metadata";

/** A page of rows and the cursor of the next page (`null` on the last). */
export interface RunPage {
  runs: RunPageRow[];
  next: string | null;
}

const PREVIEW_CHARS = 240;

/**
 * A metadata value the page shows: none, not an error, for metadata nested deeper than SQLite's
 * JSON functions read (runs stored before the ingest's depth limit), so one such run does not fail
 * every page of its project.
 */
const shown = readableMetadataSql;

/**
 * The confidence of a Catena run's answer: its root names the tier that answered (that of its last
 * cascade), not the confidence, which is on the cascade's run — the last one of the trace that has one.
 */
const answeringConfidenceSql = (alias: string) =>
  `(SELECT ${shown("c", "confidence")} FROM runs AS c WHERE c.trace_id = ${alias}.trace_id
      AND ${shown("c", "kind")} = 'cascade' AND ${shown("c", "confidence")} IS NOT NULL
      ORDER BY c.dotted_order DESC LIMIT 1)`;

/** The outcome a person reads: Catena's own status when the tracer recorded one, else LangSmith's. */
export const outcomeSql = (alias: string) => `coalesce(${shown(alias, "status")}, ${alias}.status)`;

/**
 * The root runs of a project, newest first, keyset-paged on (start_time, id): the partial index
 * `runs_session_root_start` walks them in order, so a page costs the same however deep it is.
 * A search for a rare text starts from the search index's few candidates instead (`searchPath`
 * forces one way, for comparisons). A tier walks its own index; a chain, version, model or the
 * `error` status walks the index of Trends' values, where a root that does not match is skipped
 * without reading its row (`filterSource: "metadata"` reads each root's metadata instead, as
 * before: the same page, for comparisons).
 */
export function queryRunPage(
  db: DatabaseSync,
  query: RunPageQuery,
  options: {
    searchPath?: RunSearchPath;
    filterSource?: RunPageFilterSource;
    /** Hears SQLite's plan of the very statement the page runs (EXPLAIN QUERY PLAN), before it runs. */
    onPlan?: (plan: string) => void;
  } = {},
): RunPage {
  const fromMetadata = options.filterSource === "metadata";
  const where = ["r.session_id = ?", "r.parent_run_id IS NULL"];
  const params: SQLInputValue[] = [query.project];
  const eq = (sql: string, value: string | undefined) => {
    if (value === undefined) return;
    where.push(`${sql} = ?`);
    params.push(value);
  };
  // The chain, version and model each root stores for Trends are these very json_extract values
  // (trend-columns.ts), compared the same way (the columns have no type, so no conversion: a
  // version stored as the number 2 is not "2", as before). A root without them (NULL
  // `trend_failed`: written or rewritten by an older studio sharing the file, migration 18, until
  // the next open fills it) is compared on its metadata: only its row is read, the others' values
  // are checked in the index.
  const stored = (column: TrendColumn, key: string, value: string | undefined) => {
    if (value === undefined) return;
    if (fromMetadata) return eq(metadataSql("r", key), value);
    where.push(`(r.${column} = ? OR (r.trend_failed IS NULL AND ${readableMetadataSql("r", key)} = ?))`);
    params.push(value, value);
  };
  stored("trend_chain", "chain", query.chain);
  stored("trend_version", "version", query.version);
  eq(outcomeSql("r"), query.status);
  // No column holds the outcome itself, but an `error` outcome makes `trend_failed` 1: that much
  // is read from the index, and only the failed (or underived) roots' rows are read for their outcome.
  if (query.status === "error" && !fromMetadata) where.push("(r.trend_failed = 1 OR r.trend_failed IS NULL)");
  // The tier as the table shows it, also for a run without a cascade, as stored (answering-tier.ts),
  // whatever its case: `LLM` finds the `llm` runs. Almost always one spelling is stored; several
  // (`Human` and `human`) are read apart, each through the tier's index, and merged (below).
  const spellings = query.tier === undefined ? [] : TierSpellings.for(db).of(query.project, query.tier);
  if (spellings.length <= 1) eq("r.answering_tier", spellings[0] ?? query.tier);
  stored("trend_model", "model", query.model);
  if (query.from !== undefined) {
    where.push("r.start_time >= ?");
    params.push(query.from);
  }
  if (query.to !== undefined) {
    where.push("r.start_time < ?");
    params.push(query.to);
  }
  // Few matches (a rare text): start from them, not from the project's index; see run-search.ts.
  // A tier's roots come newest first from their own index: a rare tier would otherwise read
  // the project's every root to fill a page.
  // A chain, version, model or failure is checked in the index of Trends' values, which holds
  // them beside the start time: the roots that do not match are skipped without reading their rows.
  const byTrends =
    !fromMetadata &&
    (query.chain !== undefined ||
      query.version !== undefined ||
      query.model !== undefined ||
      query.status === "error");
  let from = `INDEXED BY ${
    query.tier !== undefined
      ? "runs_session_root_tier"
      : byTrends
        ? "runs_session_root_trends"
        : "runs_session_root_start"
  }`;
  if (query.search !== undefined) {
    const search = compileRunSearch(db, "r", query.search, ["inputs", "outputs"], {
      rootsOnly: true,
      ...(options.searchPath === undefined ? {} : { path: options.searchPath }),
    });
    where.push(search.sql);
    params.push(...search.params);
    if (search.path === "index") from = "NOT INDEXED";
  }
  if (query.feedbackKey !== undefined) {
    const bounds: string[] = [];
    if (query.scoreMin !== undefined) bounds.push("f.score >= ?");
    if (query.scoreMax !== undefined) bounds.push("f.score <= ?");
    where.push(
      `EXISTS (SELECT 1 FROM feedback AS f WHERE f.run_id = r.id AND f.key = ?${bounds.map((b) => ` AND ${b}`).join("")})`,
    );
    params.push(query.feedbackKey);
    if (query.scoreMin !== undefined) params.push(query.scoreMin);
    if (query.scoreMax !== undefined) params.push(query.scoreMax);
  }
  if (query.cursor !== undefined) {
    const [time, id] = decodeKeysetCursor(query.cursor, '"next"');
    // A row value, which SQLite turns into a seek on the index; the OR form walks from the top.
    // Trends' index has the id last, so there only the start time is a seek.
    where.push("(r.start_time, r.id) < (?, ?)");
    params.push(time, id);
    if (from.includes("runs_session_root_trends")) {
      where.push("r.start_time <= ?");
      params.push(time);
    }
  }
  // Tokens and cost of the whole trace: the LLM calls are the root's descendants.
  // The page's rows are chosen first and only they get their columns (the trace totals above all):
  // a search that starts from its candidates sorts them all, and would otherwise total each one.
  const order = "ORDER BY r.start_time DESC, r.id DESC LIMIT ?";
  let chosen = `SELECT r.rowid AS row FROM runs AS r ${from} WHERE ${where.join(" AND ")} ${order}`;
  let chosenParams = [...params, query.limit + 1];
  if (spellings.length > 1) {
    // Each spelling's newest roots through the tier's index (a page's worth each), then the newest
    // of them all: walking the project's roots instead read 50,000 of them for a tier of 1 in 1,000.
    const one = `SELECT * FROM (SELECT r.rowid AS row, r.start_time, r.id FROM runs AS r ${from}
      WHERE ${[...where, "r.answering_tier = ?"].join(" AND ")} ${order})`;
    chosen = `SELECT row FROM (${spellings.map(() => one).join(" UNION ALL ")}) AS r ${order}`;
    chosenParams = [
      ...spellings.flatMap((spelled) => [...params, spelled, query.limit + 1]),
      query.limit + 1,
    ];
  }
  const sql = `SELECT r.id, r.trace_id, r.name, r.start_time, r.end_time, r.error,
      (SELECT sum(s.total_tokens) FROM runs AS s WHERE s.trace_id = r.trace_id) AS total_tokens,
      (SELECT sum(s.total_cost) FROM runs AS s WHERE s.trace_id = r.trace_id) AS total_cost,
      ${outcomeSql("r")} AS outcome,
      substr(r.inputs, 1, ${PREVIEW_CHARS}) AS input_preview, substr(r.outputs, 1, ${PREVIEW_CHARS}) AS output_preview,
      ${shown("r", "chain")} AS chain, ${shown("r", "version")} AS version,
      r.answering_tier AS tier, ${shown("r", "model")} AS model,
      coalesce(${shown("r", "confidence")}, ${answeringConfidenceSql("r")}) AS confidence,
      ${shown("r", "ms")} AS ms
    FROM (${chosen}) AS chosen
    JOIN runs AS r ON r.rowid = chosen.row
    ORDER BY r.start_time DESC, r.id DESC`;
  if (options.onPlan !== undefined) {
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...chosenParams);
    options.onPlan(plan.map((step) => String(step.detail)).join("\n"));
  }
  const rows = db.prepare(sql).all(...chosenParams);
  const page = rows.slice(0, query.limit);
  const feedback = feedbackSummaries(
    db,
    page.map((row) => String(row.id)),
  );
  const runs = page.map((row): RunPageRow => {
    const start = textColumn(row.start_time);
    const end = textColumn(row.end_time);
    const ms =
      numberColumn(row.ms) ?? (start !== null && end !== null ? Date.parse(end) - Date.parse(start) : null);
    return {
      id: String(row.id),
      trace_id: textColumn(row.trace_id),
      name: textColumn(row.name),
      start_time: start,
      end_time: end,
      status: String(row.outcome),
      error: textColumn(row.error),
      input_preview: textColumn(row.input_preview) ?? "",
      output_preview: textColumn(row.output_preview) ?? "",
      chain: textColumn(row.chain),
      version: textColumn(row.version),
      tier: textColumn(row.tier),
      model: textColumn(row.model),
      confidence: numberColumn(row.confidence),
      latency_ms: ms,
      total_tokens: numberColumn(row.total_tokens),
      total_cost: numberColumn(row.total_cost),
      feedback: feedback.get(String(row.id)) ?? [],
    };
  });
  const last = runs.at(-1);
  const next =
    rows.length > query.limit && last !== undefined
      ? encodeKeysetCursor(last.start_time ?? "", last.id)
      : null;
  return { runs, next };
}

/** Mean score and count per feedback key, for each of `runIds`. */
export function feedbackSummaries(
  db: DatabaseSync,
  runIds: readonly string[],
): Map<string, FeedbackSummary[]> {
  const out = new Map<string, FeedbackSummary[]>();
  if (runIds.length === 0) return out;
  const rows = db
    .prepare(
      "SELECT run_id, key, avg(score) AS mean, count(*) AS n FROM feedback WHERE run_id IN (SELECT value FROM json_each(?)) GROUP BY run_id, key ORDER BY key",
    )
    .all(JSON.stringify(runIds));
  for (const row of rows) {
    const id = String(row.run_id);
    const list = out.get(id) ?? [];
    list.push({ key: String(row.key), mean: numberColumn(row.mean), count: Number(row.n) });
    out.set(id, list);
  }
  return out;
}
