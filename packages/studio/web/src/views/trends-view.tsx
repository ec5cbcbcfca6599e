import { formatCost, formatModel, formatMs, formatScore } from "../format.ts";
import { usePageTitle } from "../page-title.ts";
import { Loading } from "../parts/loading.tsx";
import { ProjectMissing } from "../parts/project-missing.tsx";
import { TierLegend } from "../parts/tier-legend.tsx";
import { paths } from "../router.ts";
import type { Session, TrendRow } from "../types.ts";
import { useApi } from "../use-api.ts";
import { ProjectTabs } from "./project-tabs.tsx";

/**
 * Per chain, version and model, per day: mean rating, feedback count, tier coverage and LLM-call
 * share, cost, latency p50/p95 and error rate, with a bar for the rating on the 1–5 scale.
 */
export function TrendsView({ projectId }: { projectId: string }) {
  const session = useApi<Session>(`/sessions/${projectId}`);
  const trends = useApi<{ rows: TrendRow[] }>(`/catena/stats/trends?project=${projectId}&days=30`);
  const rows = trends.data?.rows ?? [];
  usePageTitle("Trends", session.data?.name);
  if (session.error !== undefined) return <ProjectMissing error={session.error} />;
  return (
    <div>
      <h2>{session.data === undefined ? "Trends" : `Trends of ${session.data.name}`}, last 30 days</h2>
      <ProjectTabs projectId={projectId} current="trends" />
      {trends.error === undefined ? null : <p role="alert">{trends.error}</p>}
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
                    href={runsOfRow(projectId, r)}
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
      {trends.data !== undefined && rows.length === 0 ? <p>No runs in the last 30 days.</p> : null}
      <TierLegend />
    </div>
  );
}

/**
 * The runs table filtered to a row's runs: its chain, version and model, started on its day. The
 * day is UTC (as Trends groups); the filter's bounds are the browser's local time (the form's
 * `datetime-local` fields), so the day's UTC bounds are written in local time.
 */
function runsOfRow(projectId: string, row: TrendRow): string {
  const query = new URLSearchParams();
  if (row.chain !== null) query.set("chain", row.chain);
  if (row.version !== null) query.set("version", row.version);
  if (row.model !== null) query.set("model", row.model);
  const start = Date.parse(`${row.day}T00:00:00Z`);
  if (Number.isFinite(start)) {
    query.set("from", localMinute(start));
    query.set("to", localMinute(start + 86_400_000));
  }
  return paths.project(projectId, `?${query}`);
}

/** `ms` as a `datetime-local` value (YYYY-MM-DDTHH:MM, the browser's local time). */
function localMinute(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
}
