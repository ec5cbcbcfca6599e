import { formatCost, formatMs, formatScore, formatTime, preview } from "../format.ts";
import { paths } from "../router.ts";
import type { RunRow } from "../types.ts";

/**
 * A page of a project's runs as a table, each run linked to its trace. On a phone each run is a
 * card of labelled lines (`data-label`, runs-cards.css): eleven columns scrolled sideways, and the
 * status and tier were out of sight.
 */
export function RunsTable({ projectId, runs }: { projectId: string; runs: RunRow[] }) {
  // The roles are said outright, redundant as they look: a table's parts shown as blocks (the
  // cards) lose them in WebKit, and VoiceOver read the runs as loose text.
  // biome-ignore-start lint/a11y/noRedundantRoles: WebKit drops a display:block table's roles.
  return (
    <div class="table-scroll">
      <table class="runs" aria-label="Runs" role="table">
        <thead role="rowgroup">
          <tr role="row">
            <th scope="col" role="columnheader">
              Started
            </th>
            <th scope="col" role="columnheader">
              Chain
            </th>
            <th scope="col" role="columnheader">
              Input
            </th>
            <th scope="col" role="columnheader">
              Output
            </th>
            <th scope="col" role="columnheader">
              Status
            </th>
            <th
              scope="col"
              role="columnheader"
              title="The tier that answered: see What the tier means, below"
            >
              Tier
            </th>
            <th scope="col" role="columnheader">
              Confidence
            </th>
            <th scope="col" role="columnheader">
              Latency
            </th>
            <th scope="col" role="columnheader">
              Tokens
            </th>
            <th scope="col" role="columnheader">
              Cost
            </th>
            <th scope="col" role="columnheader">
              Feedback
            </th>
          </tr>
        </thead>
        <tbody role="rowgroup">
          {runs.map((run) => (
            <tr key={run.id} class={`status-${run.status}`} role="row">
              <td role="cell" data-label="Started">
                <a href={paths.run(projectId, run.id)} aria-label={`Open trace ${run.id}`}>
                  {formatTime(run.start_time)}
                </a>
              </td>
              <td role="cell" data-label="Chain">
                {run.chain ?? run.name}
                {run.version === null ? "" : `@${run.version}`}
              </td>
              <td class="preview" role="cell" data-label="Input">
                {preview(run.input_preview)}
              </td>
              <td class="preview" role="cell" data-label="Output">
                {run.error === null ? preview(run.output_preview) : preview(run.error)}
              </td>
              <td role="cell" data-label="Status">
                <span class={`badge status-${run.status}`}>{run.status}</span>
              </td>
              <td role="cell" data-label="Tier">
                {run.tier ?? "–"}
              </td>
              <td role="cell" data-label="Confidence">
                {formatScore(run.confidence)}
              </td>
              <td role="cell" data-label="Latency">
                {formatMs(run.latency_ms)}
              </td>
              <td role="cell" data-label="Tokens">
                {run.total_tokens ?? "–"}
              </td>
              <td role="cell" data-label="Cost">
                {formatCost(run.total_cost)}
              </td>
              <td role="cell" data-label="Feedback">
                {run.feedback.map((f) => (
                  <span key={f.key} class="badge" title={`${f.count} × ${f.key}`}>
                    {f.key} {f.mean === null ? "" : formatScore(f.mean)}
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
  // biome-ignore-end lint/a11y/noRedundantRoles: WebKit drops a display:block table's roles.
}
