import { usePageTitle } from "../page-title.ts";
import { LoadFailed } from "../parts/load-failed.tsx";
import { Loading } from "../parts/loading.tsx";
import { TraceDisplay } from "../parts/trace-display.tsx";
import type { Run, TraceTree } from "../types.ts";
import { useApi } from "../use-api.ts";

/**
 * A run shared by link (`shareRun`), read-only and without the API key: LangSmith's
 * `GET /public/{token}/run` and its runs, `GET /public/{token}/runs`.
 */
export function SharedRunView({ token }: { token: string }) {
  const run = useApi<Run>(`/public/${encodeURIComponent(token)}/run`);
  const runs = useApi<Run[] | { runs: Run[] }>(`/public/${encodeURIComponent(token)}/runs`);
  usePageTitle("Shared trace", run.data?.name ?? undefined);
  if (run.error !== undefined)
    return (
      <div>
        <h1>Shared trace</h1>
        <LoadFailed of={run} lead="This shared link does not open" />
      </div>
    );
  if (run.data === undefined) return <Loading what="the shared trace" />;
  const listed = runs.data === undefined ? [] : Array.isArray(runs.data) ? runs.data : runs.data.runs;
  const all = listed.some((r) => r.id === run.data?.id) ? listed : [run.data, ...listed];
  all.sort((a, b) => (a.dotted_order ?? "").localeCompare(b.dotted_order ?? ""));
  const tree: TraceTree = { trace_id: run.data.trace_id ?? run.data.id, runs: all, feedback: [] };
  return (
    <div>
      <p class="muted">Shared read-only trace.</p>
      {/* Never asked again: a trace running when it was shared says it is no longer followed. */}
      <TraceDisplay tree={tree} readOnly followed={false} />
    </div>
  );
}
