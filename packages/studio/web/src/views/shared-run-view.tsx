import { usePageTitle } from "../page-title.ts";
import type { Run, TraceTree } from "../types.ts";
import { useApi } from "../use-api.ts";
import { TraceDisplay } from "./trace-view.tsx";

/**
 * A run shared by link (`shareRun`), read-only and without the API key: LangSmith's
 * `GET /public/{token}/run` and its runs, `GET /public/{token}/runs`.
 */
export function SharedRunView({ token }: { token: string }) {
  const run = useApi<Run>(`/public/${encodeURIComponent(token)}/run`);
  const runs = useApi<Run[] | { runs: Run[] }>(`/public/${encodeURIComponent(token)}/runs`);
  usePageTitle("Shared trace", run.data?.name ?? undefined);
  if (run.error !== undefined) return <p role="alert">This shared link does not open: {run.error}</p>;
  if (run.data === undefined) return <p aria-busy="true">Loading…</p>;
  const listed = runs.data === undefined ? [] : Array.isArray(runs.data) ? runs.data : runs.data.runs;
  const all = listed.some((r) => r.id === run.data?.id) ? listed : [run.data, ...listed];
  all.sort((a, b) => (a.dotted_order ?? "").localeCompare(b.dotted_order ?? ""));
  const tree: TraceTree = { trace_id: run.data.trace_id ?? run.data.id, runs: all, feedback: [] };
  return (
    <div>
      <p class="muted">Shared read-only trace.</p>
      <TraceDisplay tree={tree} readOnly />
    </div>
  );
}
