import { formatTime } from "../format.ts";
import { Loading } from "../parts/loading.tsx";
import { paths } from "../router.ts";
import type { Dataset, Session } from "../types.ts";
import { useApi } from "../use-api.ts";

/** Every project (chains trace into one project each) and, below, the datasets with experiments. */
export function ProjectsView() {
  const sessions = useApi<Session[]>("/sessions?limit=100");
  const projects = (sessions.data ?? []).filter((s) => s.reference_dataset_id === null);
  return (
    <div>
      <h2>Projects</h2>
      {sessions.error === undefined ? null : <p role="alert">{sessions.error}</p>}
      <table aria-label="Projects">
        <thead>
          <tr>
            <th scope="col">Project</th>
            <th scope="col">Runs</th>
            <th scope="col">Started</th>
          </tr>
        </thead>
        <tbody>
          {projects.map((s) => (
            <tr key={s.id}>
              <td>
                <a href={paths.project(s.id)}>{s.name}</a>
              </td>
              <td>{s.run_count ?? "–"}</td>
              <td>{formatTime(s.start_time)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {sessions.data === undefined && sessions.error === undefined ? <Loading what="the projects" /> : null}
      {sessions.data !== undefined && projects.length === 0 ? (
        <p>No traces yet: run a chain with tracing on (catena run … prints this studio's URL).</p>
      ) : null}
    </div>
  );
}

/** Every dataset, each linking to its experiments. */
export function DatasetsView() {
  const datasets = useApi<Dataset[]>("/datasets?limit=100");
  return (
    <div>
      <h2>Datasets</h2>
      {datasets.error === undefined ? null : <p role="alert">{datasets.error}</p>}
      <ul aria-label="Datasets">
        {(datasets.data ?? []).map((d) => (
          <li key={d.id}>
            <a href={paths.dataset(d.id)}>{d.name}</a> <span class="muted">{d.description ?? ""}</span>
          </li>
        ))}
      </ul>
      {datasets.data === undefined && datasets.error === undefined ? <Loading what="the datasets" /> : null}
      {datasets.data !== undefined && datasets.data.length === 0 ? (
        <p>No datasets yet: catena dataset add … makes one from traces or a file.</p>
      ) : null}
    </div>
  );
}
