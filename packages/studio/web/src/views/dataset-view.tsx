import { useState } from "preact/hooks";
import { formatCost, formatMs, formatScore, formatTime } from "../format.ts";
import { usePageTitle } from "../page-title.ts";
import { LoadFailed } from "../parts/load-failed.tsx";
import { Loading } from "../parts/loading.tsx";
import { navigate, paths } from "../router.ts";
import type { Dataset, ExperimentSummary } from "../types.ts";
import { useApi } from "../use-api.ts";

/** A dataset's experiments, newest first; pick two or more to compare them example by example. */
export function DatasetView({ datasetId }: { datasetId: string }) {
  const dataset = useApi<Dataset>(`/datasets/${datasetId}`);
  const experiments = useApi<{ experiments: ExperimentSummary[] }>(
    `/catena/datasets/${datasetId}/experiments`,
  );
  const [picked, setPicked] = useState<string[]>([]);
  usePageTitle("Experiments", dataset.data?.name);
  const list = experiments.data?.experiments ?? [];
  return (
    <div>
      <h1>{dataset.data?.name ?? "Dataset"}: experiments</h1>
      <LoadFailed of={experiments} />
      {experiments.data === undefined && experiments.error === undefined ? (
        <Loading what="the experiments" />
      ) : null}
      <ExperimentTable
        experiments={list}
        picked={picked}
        onPick={(id, on) => setPicked((p) => (on ? [...p, id] : p.filter((x) => x !== id)))}
      />
      {experiments.data !== undefined && list.length === 0 ? (
        <p>
          No experiments on this dataset yet: catena eval … runs a chain over its examples and records one.
        </p>
      ) : null}
      <button
        type="button"
        disabled={picked.length < 2}
        onClick={() => navigate(paths.compare(datasetId, picked))}
      >
        Compare selected
      </button>
    </div>
  );
}

/** Experiments with their aggregates: runs, errors, scores, cost, latency and tier mix. */
export function ExperimentTable({
  experiments,
  picked,
  onPick,
}: {
  experiments: ExperimentSummary[];
  picked?: string[];
  onPick?: (id: string, on: boolean) => void;
}) {
  const keys = [...new Set(experiments.flatMap((e) => Object.keys(e.scores)))].sort();
  return (
    <div class="table-scroll">
      <table aria-label="Experiments">
        <thead>
          <tr>
            {onPick === undefined ? null : <th scope="col">Pick</th>}
            <th scope="col">Experiment</th>
            <th scope="col">Runs</th>
            <th scope="col">Errors</th>
            {keys.map((k) => (
              <th scope="col" key={k}>
                {k}
              </th>
            ))}
            <th scope="col">Cost</th>
            <th scope="col">p50</th>
            <th scope="col">p95</th>
            <th scope="col">Tier mix</th>
          </tr>
        </thead>
        <tbody>
          {experiments.map((e) => (
            <tr key={e.id}>
              {onPick === undefined ? null : (
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Pick ${e.name}`}
                    checked={picked?.includes(e.id) ?? false}
                    onChange={(ev) => onPick(e.id, (ev.target as HTMLInputElement).checked)}
                  />
                </td>
              )}
              <td>
                {e.name} <span class="muted">{formatTime(e.start_time)}</span>
              </td>
              <td>{e.runs}</td>
              <td>{e.errors}</td>
              {keys.map((k) => (
                <td key={k}>{formatScore(e.scores[k])}</td>
              ))}
              <td>{formatCost(e.total_cost)}</td>
              <td>{formatMs(e.latency_p50_ms)}</td>
              <td>{formatMs(e.latency_p95_ms)}</td>
              <td>
                {Object.entries(e.tiers)
                  .map(([tier, n]) => `${tier} ${Math.round((n / Math.max(1, e.runs)) * 100)}%`)
                  .join(", ")}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
