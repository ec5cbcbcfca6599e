import { useMemo, useState } from "preact/hooks";
import { formatCost, formatModel, formatMs, formatScore } from "../format.ts";
import { usePageTitle } from "../page-title.ts";
import { LoadFailed } from "../parts/load-failed.tsx";
import { Loading } from "../parts/loading.tsx";
import { ProjectMissing } from "../parts/project-missing.tsx";
import { TierLegend } from "../parts/tier-legend.tsx";
import { paths } from "../router.ts";
import type { Session, TrendRow } from "../types.ts";
import { useApi } from "../use-api.ts";
import { ProjectTabs } from "./project-tabs.tsx";

/**
 * The periods Trends offers, as `?period=` names them: the days back the studio's trends query is
 * asked for, and how the heading reads them. 30 days when the URL names none (or another).
 */
export const TREND_PERIODS = [
  { id: "24h", days: 1, label: "24 hours" },
  { id: "7d", days: 7, label: "7 days" },
  { id: "30d", days: 30, label: "30 days" },
  { id: "90d", days: 90, label: "90 days" },
] as const;

type TrendPeriod = (typeof TREND_PERIODS)[number];

const DEFAULT_PERIOD: TrendPeriod = TREND_PERIODS[2];

/**
 * Per chain, version and model, per day: mean rating, feedback count, tier coverage and LLM-call
 * share, cost, latency p50/p95 and error rate, with a bar for the rating on the 1–5 scale, over
 * the period picked (kept in the URL, so that a reload or a shared link shows the same).
 */
export function TrendsView({ projectId, query }: { projectId: string; query: URLSearchParams }) {
  const period = TREND_PERIODS.find((p) => p.id === query.get("period")) ?? DEFAULT_PERIOD;
  // The window ends at the next whole minute, fixed while the period is shown: the studio is asked
  // for exactly it, and a row's link to its runs names the same bounds (the form's fields hold
  // minutes), so the runs it opens are the runs it counted, also on the window's first day. A
  // "Try again" (`tries`) moves it to now: tried an hour later, it asked for the hour before.
  const [tries, setTries] = useState(0);
  const until = useMemo(() => Math.ceil(Date.now() / 60_000) * 60_000, [projectId, period.id, tries]);
  const span = { since: until - period.days * 86_400_000, until };
  const session = useApi<Session>(`/sessions/${projectId}`);
  const asked = `/catena/stats/trends?project=${projectId}&days=${period.days}`;
  // The same trends whatever the window's end: a try again keeps its error (and its busy line)
  // until the answer, as another path would drop them.
  const trends = useApi<{ rows: TrendRow[] }>(`${asked}&until=${new Date(until).toISOString()}`, {
    same: asked,
  });
  const tryAgain = () => {
    setTries((n) => n + 1);
    // Asked again also when the minute is the same (the path did not change).
    trends.reload();
  };
  const rows = trends.data?.rows ?? [];
  usePageTitle("Trends", session.data?.name);
  if (session.error !== undefined) return <ProjectMissing session={session} />;
  return (
    <div>
      <h1>
        {session.data === undefined ? "Trends" : `Trends of ${session.data.name}`}, last {period.label}
      </h1>
      <ProjectTabs projectId={projectId} current="trends" />
      <nav class="periods" aria-label="Period">
        {TREND_PERIODS.map((p) => (
          <a
            key={p.id}
            href={paths.trends(projectId, p === DEFAULT_PERIOD ? "" : `?period=${p.id}`)}
            aria-current={p === period ? "page" : undefined}
            // The name starts with what is shown (WCAG 2.5.3): a voice user says "7d".
            aria-label={`${p.id}, last ${p.label}`}
          >
            {p.id}
          </a>
        ))}
      </nav>
      <LoadFailed of={trends} onRetry={tryAgain} />
      <div class="table-scroll">
        <table aria-label="Trends">
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Chain@version</th>
              <th scope="col">Model</th>
              <th scope="col">Runs</th>
              <th scope="col">Mean rating</th>
              <th scope="col">Feedback</th>
              <th scope="col">Tiers</th>
              <th scope="col">LLM share</th>
              <th scope="col">Cost</th>
              <th scope="col">p50</th>
              <th scope="col">p95</th>
              <th scope="col">Error rate</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.day}${r.chain}${r.version}${r.model}`}>
                <td>{r.day}</td>
                <td>
                  {r.chain ?? "–"}
                  {r.version === null ? "" : `@${r.version}`}
                </td>
                <td title={formatModel(r.model).title}>{formatModel(r.model).text}</td>
                <td>
                  <a
                    href={runsOfRow(projectId, r, span)}
                    aria-label={`The ${r.runs === 1 ? "run" : `${r.runs} runs`} of ${r.chain ?? "no chain"}${r.version === null ? "" : `@${r.version}`} on ${r.day}`}
                  >
                    {r.runs}
                  </a>
                </td>
                <td>
                  {r.mean_rating === null ? (
                    "–"
                  ) : (
                    <span class="meter" title={`${formatScore(r.mean_rating)} of 5`}>
                      <span style={{ width: `${(r.mean_rating / 5) * 100}%` }} />
                      {formatScore(r.mean_rating)}
                    </span>
                  )}
                </td>
                <td>{r.feedback_count}</td>
                <td>
                  {Object.entries(r.tiers)
                    .map(([t, n]) => `${t} ${Math.round((n / r.runs) * 100)}%`)
                    .join(", ")}
                </td>
                <td>{Math.round(r.llm_share * 100)}%</td>
                <td>{formatCost(r.cost)}</td>
                <td>{formatMs(r.latency_p50_ms)}</td>
                <td>{formatMs(r.latency_p95_ms)}</td>
                <td>{Math.round(r.error_rate * 100)}%</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {trends.data === undefined && trends.error === undefined ? <Loading what="the trends" /> : null}
      {trends.data !== undefined && rows.length === 0 ? <p>No runs in the last {period.label}.</p> : null}
      <TierLegend />
    </div>
  );
}

/**
 * The runs table filtered to a row's runs: its chain, version and model, started on its day within
 * the period's `span` (its first and last days are cut by it). The day is UTC (as Trends
 * groups); the filter's bounds are the browser's local time (the form's `datetime-local` fields),
 * so the UTC bounds are written in local time.
 */
function runsOfRow(projectId: string, row: TrendRow, span: { since: number; until: number }): string {
  const query = new URLSearchParams();
  if (row.chain !== null) query.set("chain", row.chain);
  if (row.version !== null) query.set("version", row.version);
  if (row.model !== null) query.set("model", row.model);
  const start = Date.parse(`${row.day}T00:00:00Z`);
  if (Number.isFinite(start)) {
    query.set("from", localMinute(Math.max(start, span.since)));
    query.set("to", localMinute(Math.min(start + 86_400_000, span.until)));
  }
  return paths.project(projectId, `?${query}`);
}

/** `ms` as a `datetime-local` value (YYYY-MM-DDTHH:MM, the browser's local time). */
function localMinute(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
}
