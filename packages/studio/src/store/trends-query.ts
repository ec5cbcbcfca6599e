import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import type { TrendRow } from "../page-api-shapes.ts";
import { percentile } from "./percentile.ts";
import { studioNow, toStudioTimestamp } from "./studio-timestamp.ts";
import { TREND_COLUMNS, type TrendColumn, trendValuesSql } from "./trend-columns.ts";

/** What `GET /catena/stats/trends` is asked: a project, optionally one chain, and how many days back. */
export interface TrendsQuery {
  project: string;
  chain?: string;
  /** Days back from `until` (default now). */
  days: number;
  until?: string;
}

/**
 * Where queryTrends reads a root's chain, version, model, failure, cost and latency: the columns
 * each root stores (`columns`, through the index that holds them), or its metadata as before
 * migration 16 (`metadata`, through the root-run index; for comparisons: the same rows, slower).
 */
export type TrendsSource = "columns" | "metadata";

/**
 * Per day, chain, version and model over the root runs of a project: counts, error rate, mean
 * rating and feedback count, tier coverage, the share of runs an LLM answered, cost and
 * latency p50/p95. Read from the index `runs_session_root_trends` over the time window only: it
 * holds what Trends groups and sums of each root (trend-columns.ts), so no root's row is read.
 */
export function queryTrends(
  db: DatabaseSync,
  query: TrendsQuery,
  options: { source?: TrendsSource } = {},
): TrendRow[] {
  const fromMetadata = options.source === "metadata";
  const json = trendValuesSql("r");
  const value = Object.fromEntries(
    TREND_COLUMNS.map((column) => [column, fromMetadata ? json[column] : `r.${column}`]),
  ) as Record<TrendColumn, string>;
  const until = query.until ?? studioNow();
  const since = toStudioTimestamp(Date.parse(until) - query.days * 86_400_000) ?? until;
  const where = ["r.session_id = ?", "r.parent_run_id IS NULL", "r.start_time >= ?", "r.start_time < ?"];
  const params: SQLInputValue[] = [query.project, since, until];
  if (query.chain !== undefined) {
    where.push(`${value.trend_chain} = ?`);
    params.push(query.chain);
  }
  // SQLite groups the roots (by day, chain, version, model and tier) and sums what it can; only a
  // group's latencies come back one by one, as a JSON list, for the percentiles. Each root as a row
  // of its own made the function cost 510 ms of CPU for 70,000 roots, 140 of them in JavaScript.
  // A root's feedback: the mean of its ratings (the group's mean rating is the mean of its runs'
  // means) and its count, looked up by the feedback_run index. The roots' subquery ends in
  // LIMIT -1 (no limit) so that SQLite does not flatten it into the grouping: flattened, each use
  // of `rating` (total and count) ran its lookup again, three index seeks per root instead of two
  // (a grouped feedback query joined instead was faster only while the whole feedback table is
  // smaller than the window's roots: bench/RESULTS.md).
  const rows = db
    .prepare(
      `SELECT day, chain, version, model, tier, count(*) AS runs, sum(failed) AS errors,
          total(cost) AS cost, total(rating) AS rating_sum, count(rating) AS rated,
          total(feedback) AS feedback, json_group_array(ms) AS ms, min(start_time) AS first
        FROM (SELECT substr(r.start_time, 1, 10) AS day, r.start_time, ${value.trend_chain} AS chain,
            ${value.trend_version} AS version, ${value.trend_model} AS model,
            r.answering_tier AS tier, ${value.trend_failed} AS failed,
            ${value.trend_cost} AS cost, ${value.trend_ms} AS ms,
            (SELECT avg(f.score) FROM feedback AS f WHERE f.run_id = r.id AND f.key = 'rating') AS rating,
            (SELECT count(*) FROM feedback AS f WHERE f.run_id = r.id) AS feedback
          FROM runs AS r INDEXED BY ${fromMetadata ? "runs_session_root_start" : "runs_session_root_trends"}
          WHERE ${where.join(" AND ")} LIMIT -1)
        GROUP BY day, chain, version, model, tier`,
    )
    .all(...params);
  const groups = new Map<
    string,
    { row: TrendRow; ms: number[]; ratingSum: number; rated: number; llm: number }
  >();
  // In the order each group's (and tier's) first run started, as the roots come: the rows of a day
  // and chain keep that order, and a row's tiers too.
  rows.sort((a, b) => (String(a.first) < String(b.first) ? -1 : String(a.first) > String(b.first) ? 1 : 0));
  for (const r of rows) {
    const key = JSON.stringify([r.day, r.chain, r.version, r.model]);
    let group = groups.get(key);
    if (group === undefined) {
      group = {
        row: {
          day: String(r.day),
          chain: r.chain === null ? null : String(r.chain),
          version: r.version === null ? null : String(r.version),
          model: r.model === null ? null : String(r.model),
          runs: 0,
          errors: 0,
          error_rate: 0,
          mean_rating: null,
          feedback_count: 0,
          tiers: {},
          llm_share: 0,
          cost: 0,
          latency_p50_ms: null,
          latency_p95_ms: null,
        },
        ms: [],
        ratingSum: 0,
        rated: 0,
        llm: 0,
      };
      groups.set(key, group);
    }
    const { row } = group;
    const runs = Number(r.runs);
    row.runs += runs;
    row.errors += Number(r.errors);
    group.ratingSum += Number(r.rating_sum);
    group.rated += Number(r.rated);
    row.feedback_count += Number(r.feedback);
    // One rule with the runs table and the experiments (answering-tier.ts): a chain without a
    // cascade is the tier of the step that answered, `llm` for a plain LLM chain.
    const tier = String(r.tier ?? "none");
    row.tiers[tier] = (row.tiers[tier] ?? 0) + runs;
    // The share of runs an LLM answered is the `llm` tier's share, by the same rule: a cascade's
    // or not, answered from the cache or not (tokens spent said 0% for cached answers beside "llm 100%").
    if (tier === "llm") group.llm += runs;
    row.cost += Number(r.cost);
    for (const ms of JSON.parse(String(r.ms)) as unknown[]) if (ms !== null) group.ms.push(Number(ms));
  }
  return [...groups.values()]
    .map(({ row, ratingSum, rated, ms, llm }) => {
      ms.sort((a, b) => a - b);
      row.error_rate = row.errors / row.runs;
      row.llm_share = llm / row.runs;
      row.mean_rating = rated === 0 ? null : ratingSum / rated;
      row.latency_p50_ms = percentile(ms, 50);
      row.latency_p95_ms = percentile(ms, 95);
      return row;
    })
    .sort((a, b) => a.day.localeCompare(b.day) || String(a.chain).localeCompare(String(b.chain)));
}
