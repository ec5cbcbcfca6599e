// queryTrends as it read before one SQL statement grouped the roots (studio commit fc71804): each
// root a row with its feedback looked up twice, grouped in JavaScript. The "before" of the Trends
// rows of tier-filter.bench.ts, which checks that both give the same rows.
import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import type { TrendRow } from "../../packages/studio/src/page-api-shapes.ts";
import { metadataSql } from "../../packages/studio/src/store/json-column.ts";
import { percentile } from "../../packages/studio/src/store/percentile.ts";
import { outcomeSql } from "../../packages/studio/src/store/run-page-query.ts";
import { studioNow, toStudioTimestamp } from "../../packages/studio/src/store/studio-timestamp.ts";

/** What `GET /catena/stats/trends` is asked: a project, optionally one chain, and how many days back. */
export interface TrendsQuery {
  project: string;
  chain?: string;
  /** Days back from `until` (default now). */
  days: number;
  until?: string;
}

/** The Trends rows as queryTrends computed them before. */
export function queryTrendsBefore(db: DatabaseSync, query: TrendsQuery): TrendRow[] {
  const until = query.until ?? studioNow();
  const since = toStudioTimestamp(Date.parse(until) - query.days * 86_400_000) ?? until;
  const where = ["r.session_id = ?", "r.parent_run_id IS NULL", "r.start_time >= ?", "r.start_time < ?"];
  const params: SQLInputValue[] = [query.project, since, until];
  if (query.chain !== undefined) {
    where.push(`${metadataSql("r", "chain")} = ?`);
    params.push(query.chain);
  }
  const rows = db
    .prepare(
      `SELECT substr(r.start_time, 1, 10) AS day, ${metadataSql("r", "chain")} AS chain,
        ${metadataSql("r", "version")} AS version, ${metadataSql("r", "model")} AS model,
        r.answering_tier AS tier,
        ${outcomeSql("r")} AS outcome, r.error,
        coalesce(r.total_cost, ${metadataSql("r", "cost_usd")}, 0) AS cost,
        coalesce(${metadataSql("r", "ms")}, (julianday(r.end_time) - julianday(r.start_time)) * 86400000) AS ms,
        (SELECT avg(f.score) FROM feedback AS f WHERE f.run_id = r.id AND f.key = 'rating') AS rating,
        (SELECT count(*) FROM feedback AS f WHERE f.run_id = r.id) AS feedback
      FROM runs AS r INDEXED BY runs_session_root_start WHERE ${where.join(" AND ")}`,
    )
    .all(...params);
  const groups = new Map<string, { row: TrendRow; ratings: number[]; ms: number[]; llm: number }>();
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
        ratings: [],
        ms: [],
        llm: 0,
      };
      groups.set(key, group);
    }
    const { row } = group;
    row.runs++;
    if (r.error !== null || r.outcome === "error") row.errors++;
    if (r.rating !== null) group.ratings.push(Number(r.rating));
    row.feedback_count += Number(r.feedback);
    // One rule with the runs table and the experiments (answering-tier.ts): a chain without a
    // cascade is the tier of the step that answered, `llm` for a plain LLM chain.
    const tier = String(r.tier ?? "none");
    row.tiers[tier] = (row.tiers[tier] ?? 0) + 1;
    // The share of runs an LLM answered is the `llm` tier's share, by the same rule: a cascade's
    // or not, answered from the cache or not (tokens spent said 0% for cached answers beside "llm 100%").
    if (tier === "llm") group.llm++;
    row.cost += Number(r.cost);
    if (r.ms !== null) group.ms.push(Number(r.ms));
  }
  return [...groups.values()]
    .map(({ row, ratings, ms, llm }) => {
      ms.sort((a, b) => a - b);
      row.error_rate = row.errors / row.runs;
      row.llm_share = llm / row.runs;
      row.mean_rating = ratings.length === 0 ? null : ratings.reduce((a, b) => a + b, 0) / ratings.length;
      row.latency_p50_ms = percentile(ms, 50);
      row.latency_p95_ms = percentile(ms, 95);
      return row;
    })
    .sort((a, b) => a.day.localeCompare(b.day) || String(a.chain).localeCompare(String(b.chain)));
}
