import type { FeedbackStats } from "@catena/core/tracing";
import { plural } from "../format/plural.ts";
import { table } from "../format/table.ts";

/** Feedback statistics as the table `catena feedback stats` prints. */
export function feedbackStatsText(stats: FeedbackStats, by?: string, per?: string): string {
  const head = `${stats.chain} · feedback "${stats.key}" · ${plural(stats.runs, "run")} looked at\n`;
  if (stats.rows.length === 0)
    return `${head}No "${stats.key}" feedback on these runs yet (catena feedback <runId> --key ${stats.key} --score N).\n`;
  const header = [
    ...(per === undefined ? [] : [per === "week" ? "WEEK OF" : "DAY"]),
    ...(by === undefined ? [] : [by.toUpperCase()]),
    "COUNT",
    "SCORED",
    "MEAN",
    "MIN",
    "MAX",
  ];
  const rows = stats.rows.map((r) => [
    ...(per === undefined ? [] : [r.period]),
    ...(by === undefined ? [] : [r.group]),
    String(r.count),
    String(r.scored),
    r.meanScore === undefined ? "-" : r.meanScore.toFixed(2),
    r.minScore === undefined ? "-" : String(r.minScore),
    r.maxScore === undefined ? "-" : String(r.maxScore),
  ]);
  return head + table([header, ...rows]);
}
