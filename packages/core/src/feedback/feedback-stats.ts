import type { Run } from "langsmith/schemas";
import { chainFilter, existingProjects, projectNames } from "../tracing/list-traces.ts";
import { sdkCall } from "../tracing/sdk-call.ts";
import { type TraceClient, traceClientFromEnv } from "../tracing/trace-client.ts";
import { metadataOf } from "../tracing/trace-records.ts";
import { queryRootRuns } from "../tracing/v2-run-reads.ts";
import { FeedbackInvalidError } from "./feedback-invalid-error.ts";
import { listFeedback } from "./list-feedback.ts";

/** Options of {@link feedbackStats}. */
export interface FeedbackStatsOptions {
  /** The chain whose runs' feedback is counted. */
  chain: string;
  /** The feedback key, e.g. `rating`. */
  key: string;
  /** Split the counts by chain version or by the model that answered; default: one group. */
  by?: "version" | "model";
  /** Count per day or per ISO week (weeks start on Monday, UTC) of the feedback; default: one period. */
  per?: "day" | "week";
  /** Only runs started at or after this time. */
  since?: Date;
  /** Project(s) to read; default `LANGSMITH_PROJECT`, else `"default"`. */
  project?: string | readonly string[];
  client?: TraceClient;
}

/** Counts and mean score of one period and group. */
export interface FeedbackStatsRow {
  /** `2026-05-04` (the day, or the Monday of the week), or `all`. */
  period: string;
  /** The version or model, or `all`; `(none)` for runs that used no model. */
  group: string;
  /** Feedback items with this key. */
  count: number;
  /** Items with a numeric (or boolean) score. */
  scored: number;
  meanScore?: number;
  minScore?: number;
  maxScore?: number;
}

/** What {@link feedbackStats} found. */
export interface FeedbackStats {
  chain: string;
  key: string;
  /** Root runs of the chain that were looked at. */
  runs: number;
  rows: FeedbackStatsRow[];
}

const RUN_CHUNK = 100;

/**
 * Counts feedback of one key on a chain's runs and its mean score per period and per version or
 * model, so that a team sees whether ratings move when a prompt, model or version changes.
 *
 * @example
 * const stats = await feedbackStats({ chain: "support-triage", key: "rating", by: "version", per: "week" });
 * for (const r of stats.rows) console.log(r.period, r.group, r.count, r.meanScore);
 */
export async function feedbackStats(options: FeedbackStatsOptions): Promise<FeedbackStats> {
  if (options.key.trim() === "")
    throw new FeedbackInvalidError("feedbackStats needs the feedback key to count, e.g. rating.");
  const traceClient = options.client ?? traceClientFromEnv();
  const { client, url } = traceClient;
  const projectIds = await existingProjects(client, url, projectNames(options.project));
  const runs: Run[] = [];
  if (projectIds.length > 0) {
    await sdkCall(url, "list runs", async () => {
      for await (const run of queryRootRuns(client, {
        projectIds,
        filter: chainFilter(options.chain),
        since: options.since,
      })) {
        if ((metadataOf(run).chain ?? run.name) === options.chain) runs.push(run);
      }
    });
  }
  const groupOf = new Map(runs.map((run) => [run.id, groupName(run, options.by)]));
  const cells = new Map<string, FeedbackStatsRow>();
  for (let i = 0; i < runs.length; i += RUN_CHUNK) {
    const runIds = runs.slice(i, i + RUN_CHUNK).map((r) => r.id);
    for (const f of await listFeedback({ runIds, keys: [options.key], client: traceClient })) {
      const period = periodOf(f.createdAt, options.per);
      const group = groupOf.get(f.runId) ?? "all";
      const id = `${period}\u0000${group}`;
      const cell = cells.get(id) ?? { period, group, count: 0, scored: 0 };
      cell.count++;
      const score = typeof f.score === "boolean" ? Number(f.score) : f.score;
      if (typeof score === "number") {
        cell.meanScore = ((cell.meanScore ?? 0) * cell.scored + score) / (cell.scored + 1);
        cell.scored++;
        cell.minScore = Math.min(cell.minScore ?? score, score);
        cell.maxScore = Math.max(cell.maxScore ?? score, score);
      }
      cells.set(id, cell);
    }
  }
  const rows = [...cells.values()].sort(
    (a, b) => a.period.localeCompare(b.period) || a.group.localeCompare(b.group),
  );
  return { chain: options.chain, key: options.key, runs: runs.length, rows };
}

function groupName(run: Run, by: FeedbackStatsOptions["by"]): string {
  if (by === undefined) return "all";
  const value = metadataOf(run)[by];
  return typeof value === "string" && value !== "" ? value : "(none)";
}

/** The day, or the Monday of the ISO week, of an ISO timestamp (UTC). */
export function periodOf(iso: string, per: FeedbackStatsOptions["per"]): string {
  if (per === undefined) return "all";
  const time = Date.parse(iso);
  if (!Number.isFinite(time)) return "unknown";
  const day = new Date(time);
  if (per === "week") day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7));
  return day.toISOString().slice(0, 10);
}
