import { formatCost, formatMs, formatScore, preview } from "../format.ts";
import { usePageTitle } from "../page-title.ts";
import { LoadFailed } from "../parts/load-failed.tsx";
import { Loading } from "../parts/loading.tsx";
import type { ComparedExample, ExperimentResult, ExperimentSummary } from "../types.ts";
import { useApi } from "../use-api.ts";
import { ExperimentTable } from "./dataset-view.tsx";

/**
 * True when `result` did worse than `baseline` on this example: it failed where the baseline did
 * not, or any shared score is lower.
 */
export function isRegression(
  baseline: ExperimentResult | undefined,
  result: ExperimentResult | undefined,
): boolean {
  if (baseline === undefined || result === undefined) return false;
  if (result.error !== null && baseline.error === null) return true;
  return Object.entries(result.scores).some(([key, score]) => {
    const before = baseline.scores[key];
    return score !== null && before !== null && before !== undefined && score < before;
  });
}

/** The top-level fields of `b`'s output that differ from `a`'s. */
export function changedFields(a: unknown, b: unknown): Set<string> {
  const changed = new Set<string>();
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) {
    if (JSON.stringify(a) !== JSON.stringify(b)) changed.add("");
    return changed;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const key of new Set([...Object.keys(ra), ...Object.keys(rb)])) {
    if (JSON.stringify(ra[key]) !== JSON.stringify(rb[key])) changed.add(key);
  }
  return changed;
}

/**
 * Two or more experiments side by side: their aggregates, then each example with every
 * experiment's output diffed against the first (the baseline) and regressions highlighted.
 */
export function CompareView({ datasetId, sessions }: { datasetId: string; sessions: string[] }) {
  const query = sessions.map((s) => `session=${encodeURIComponent(s)}`).join("&");
  const compared = useApi<{ experiments: ExperimentSummary[]; examples: ComparedExample[] }>(
    sessions.length === 0 ? undefined : `/catena/compare?${query}`,
  );
  usePageTitle("Compare experiments");
  // The view's one heading in every state: the focus after a link waits for it, and a reader
  // hears which view this is also while it loads or when it failed.
  if (sessions.length === 0 || compared.data === undefined)
    return (
      <div data-dataset={datasetId}>
        <h1>Compare experiments</h1>
        {sessions.length === 0 ? (
          <p>Pick experiments to compare on the dataset's page.</p>
        ) : compared.error !== undefined ? (
          <LoadFailed of={compared} />
        ) : (
          <Loading what="the experiments" />
        )}
      </div>
    );
  const { experiments, examples } = compared.data;
  // The baseline is the first experiment the studio has, the one labelled so: a link may name
  // one it does not have (deleted, or from another studio), which it leaves out.
  const baseId = experiments[0]?.id;
  const others = experiments.slice(1).map((e) => e.id);
  const missing = sessions.filter((s) => !experiments.some((e) => e.id === s));
  const regressions = examples.filter((ex) =>
    others.some((s) => isRegression(ex.results[baseId ?? ""], ex.results[s])),
  ).length;
  return (
    <div data-dataset={datasetId}>
      <h1>Compare experiments</h1>
      <ExperimentTable experiments={experiments} />
      {missing.length === 0 ? null : <p class="muted">Not in this studio, left out: {missing.join(", ")}.</p>}
      <p role="status">
        {examples.length} examples · {regressions} with a regression against{" "}
        {experiments[0]?.name ?? "the baseline"}
      </p>
      <div class="table-scroll">
        <table class="compare" aria-label="Examples compared">
          <thead>
            <tr>
              <th scope="col">Input</th>
              <th scope="col">Reference</th>
              {experiments.map((e, i) => (
                <th scope="col" key={e.id}>
                  {e.name}
                  {i === 0 ? " (baseline)" : ""}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {examples.map((ex) => {
              const base = ex.results[baseId ?? ""];
              return (
                <tr key={ex.example_id}>
                  <td class="preview">{preview(ex.inputs, 160)}</td>
                  <td class="preview">{preview(ex.reference, 160)}</td>
                  {experiments.map((e, i) => {
                    const result = ex.results[e.id];
                    if (result === undefined) return <td key={e.id}>–</td>;
                    const regressed = i > 0 && isRegression(base, result);
                    const changed =
                      i > 0 && base !== undefined
                        ? changedFields(base.outputs, result.outputs)
                        : new Set<string>();
                    return (
                      <td
                        key={e.id}
                        class={regressed ? "regression" : ""}
                        aria-label={regressed ? "regression" : undefined}
                      >
                        {regressed ? <strong class="badge status-error">regression</strong> : null}
                        <Output value={result.error ?? result.outputs} changed={changed} />
                        <div class="muted">
                          {Object.entries(result.scores)
                            .map(([k, v]) => `${k} ${formatScore(v)}`)
                            .join(" · ")}{" "}
                          · {formatMs(result.latency_ms)} · {formatCost(result.total_cost)}
                          {result.tier === null ? "" : ` · ${result.tier}`}
                        </div>
                      </td>
                    );
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function Output({ value, changed }: { value: unknown; changed: Set<string> }) {
  if (typeof value !== "object" || value === null) {
    return <code class={changed.has("") ? "changed" : ""}>{preview(value, 200)}</code>;
  }
  return (
    <dl class="output">
      {Object.entries(value as Record<string, unknown>).map(([k, v]) => (
        <div key={k} class={changed.has(k) ? "changed" : ""}>
          <dt>{k}</dt>
          <dd>{preview(v, 120)}</dd>
        </div>
      ))}
    </dl>
  );
}
