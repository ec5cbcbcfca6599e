import type { JSX } from "preact";
import { formatTime } from "../format.ts";
import { usePageTitle } from "../page-title.ts";
import { LoadFailed } from "../parts/load-failed.tsx";
import { Loading } from "../parts/loading.tsx";
import { navigate, paths, useLocation } from "../router.ts";
import type { Dataset, Session } from "../types.ts";
import { useApi } from "../use-api.ts";

/** How many projects or datasets a page of the lists shows. */
const PAGE = 100;

/**
 * The offset of a list's page, kept in the URL (`?offset=`): Back from a project on the third page
 * returns to the third page, and the page can be linked to.
 */
function useUrlOffset(path: string): [number, (offset: number) => void] {
  const raw = Number(useLocation().query.get("offset") ?? 0);
  const offset = Number.isSafeInteger(raw) && raw > 0 ? raw : 0;
  return [offset, (next) => navigate(next === 0 ? path : `${path}?offset=${next}`)];
}

/**
 * Every project (chains trace into one project each), a hundred at a time, newest first: a new
 * project is on the first page. The studio leaves out the experiments (sessions of a dataset):
 * picked out here from the first hundred sessions, a hundred `catena eval` runs left no room for
 * the projects, and any past the hundredth were never listed.
 */
export function ProjectsView() {
  const [offset, setOffset] = useUrlOffset(paths.projects());
  // One more than a page: whether there is a next page, without counting them all.
  const sessions = useApi<Session[]>(
    `/sessions?reference_free=true&sort_by=start_time&sort_by_desc=true&limit=${PAGE + 1}&offset=${offset}`,
  );
  const projects = (sessions.data ?? []).slice(0, PAGE);
  usePageTitle("Projects");
  return (
    <div>
      <h1>Projects</h1>
      <LoadFailed of={sessions} />
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
      {sessions.data !== undefined && projects.length === 0 && offset === 0 ? (
        <p>No traces yet: run a chain with tracing on (catena run … prints this studio's URL).</p>
      ) : null}
      <ListPager
        what="projects"
        offset={offset}
        shown={projects.length}
        more={(sessions.data?.length ?? 0) > PAGE}
        onOffset={setOffset}
      />
    </div>
  );
}

/** Every dataset, each linking to its experiments. */
export function DatasetsView() {
  const [offset, setOffset] = useUrlOffset(paths.datasets());
  const page = useApi<Dataset[]>(`/datasets?limit=${PAGE + 1}&offset=${offset}`);
  const datasets = { ...page, data: page.data?.slice(0, PAGE) };
  usePageTitle("Datasets");
  return (
    <div>
      <h1>Datasets</h1>
      <LoadFailed of={datasets} />
      <ul aria-label="Datasets">
        {(datasets.data ?? []).map((d) => (
          <li key={d.id}>
            <a href={paths.dataset(d.id)}>{d.name}</a> <span class="muted">{d.description ?? ""}</span>
          </li>
        ))}
      </ul>
      {datasets.data === undefined && datasets.error === undefined ? <Loading what="the datasets" /> : null}
      <ListPager
        what="datasets"
        offset={offset}
        shown={datasets.data?.length ?? 0}
        more={(page.data?.length ?? 0) > PAGE}
        onOffset={setOffset}
      />
      {datasets.data !== undefined && datasets.data.length === 0 && offset === 0 ? (
        <p>No datasets yet: catena dataset add … makes one from traces or a file.</p>
      ) : null}
    </div>
  );
}

/** Previous and next pages of a list the studio pages by offset, and which of its items are shown. */
function ListPager({
  what,
  offset,
  shown,
  more,
  onOffset,
}: {
  what: string;
  offset: number;
  shown: number;
  more: boolean;
  onOffset: (offset: number) => void;
}): JSX.Element | null {
  if (offset === 0 && !more) return null;
  return (
    <div class="row pager">
      {offset === 0 ? null : (
        <button type="button" onClick={() => onOffset(Math.max(0, offset - PAGE))}>
          Previous {what}
        </button>
      )}
      <span class="muted">
        {what} {offset + 1}–{offset + shown}
      </span>
      {more ? (
        <button type="button" onClick={() => onOffset(offset + PAGE)}>
          More {what}
        </button>
      ) : null}
    </div>
  );
}
