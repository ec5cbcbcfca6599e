import { useEffect, useMemo, useRef } from "preact/hooks";
import { usePageTitle } from "../page-title.ts";
import { LoadFailed } from "../parts/load-failed.tsx";
import { Loading } from "../parts/loading.tsx";
import { ProjectMissing } from "../parts/project-missing.tsx";
import { RunsTable } from "../parts/runs-table.tsx";
import { TierLegend } from "../parts/tier-legend.tsx";
import { navigate, paths } from "../router.ts";
import { rememberRunsQuery } from "../runs-return.ts";
import type { RunRow, Session } from "../types.ts";
import { useApi } from "../use-api.ts";
import { ProjectTabs } from "./project-tabs.tsx";

/** The filters of the runs table, in the order of the form; each is a query parameter of the page's URL. */
export const RUN_FILTERS = [
  ["chain", "Chain"],
  ["version", "Version"],
  ["status", "Status"],
  ["tier", "Tier"],
  ["model", "Model"],
  ["feedback_key", "Feedback key"],
  ["score_min", "Score ≥"],
  ["score_max", "Score ≤"],
  ["from", "From"],
  ["to", "To"],
  ["q", "Search inputs and outputs"],
] as const;

const STATUSES = ["", "done", "deferred", "waiting", "error", "success", "pending"];

/** A project's runs: the filter form (captured in the URL) and the keyset-paged table. */
export function RunsView({ projectId, query }: { projectId: string; query: URLSearchParams }) {
  const session = useApi<Session>(`/sessions/${projectId}`);
  const api = new URLSearchParams({ project: projectId });
  for (const [name] of RUN_FILTERS) {
    const value = query.get(name);
    if (value !== null && value !== "")
      api.set(name, name === "from" || name === "to" ? toIso(value) : value);
  }
  const cursor = query.get("cursor");
  if (cursor !== null) api.set("cursor", cursor);
  const page = useApi<{ runs: RunRow[]; next: string | null }>(`/catena/runs?${api}`);
  const search = query.size > 0 ? `?${query}` : "";
  // A trace's "Runs of …" link comes back to these filters and this page, as Back does.
  useEffect(() => rememberRunsQuery(projectId, search), [projectId, search]);
  // On a phone the form would fill the first screen: it starts folded there, its summary naming
  // the filters set, and folds again once applied so that the runs it found are in view.
  const narrow = useMemo(() => window.matchMedia?.("(max-width: 760px)").matches ?? false, []);
  const fold = useRef<HTMLDetailsElement>(null);
  usePageTitle("Runs", session.data?.name);
  const set = RUN_FILTERS.filter(([name]) => (query.get(name) ?? "") !== "");
  const submit = (event: Event) => {
    event.preventDefault();
    // Folded, the field just typed in is hidden and the keyboard's focus fell to the page's top:
    // it goes to the fold's summary, which names the filters now set, right above the runs found.
    if (narrow && fold.current !== null) {
      fold.current.open = false;
      fold.current.querySelector("summary")?.focus();
    }
    const form = new FormData(event.target as HTMLFormElement);
    const next = new URLSearchParams();
    for (const [name] of RUN_FILTERS) {
      const value = String(form.get(name) ?? "").trim();
      if (value !== "") next.set(name, value);
    }
    navigate(paths.project(projectId, next.size > 0 ? `?${next}` : ""));
  };
  // The cursors of the pages before this one (the first page's is ""), kept in the URL: Previous
  // works the same after a reload or in a tab opened on a later page, where history has no page before.
  const before = query.get("pages")?.split(",") ?? [];
  const goTo = (cursorTo: string | undefined, pages: string[]) => {
    const next = new URLSearchParams(query);
    if (cursorTo === undefined || cursorTo === "") next.delete("cursor");
    else next.set("cursor", cursorTo);
    if (pages.length === 0) next.delete("pages");
    else next.set("pages", pages.join(","));
    navigate(paths.project(projectId, next.size > 0 ? `?${next}` : ""));
  };
  const nextPage = () => {
    if (page.data?.next) goTo(page.data.next, [...before, cursor ?? ""]);
  };
  const previousPage = () => goTo(before.at(-1), before.slice(0, -1));
  if (session.error !== undefined) return <ProjectMissing session={session} />;
  return (
    <div>
      <h1>{session.data?.name ?? "Project"}</h1>
      <ProjectTabs projectId={projectId} current="runs" />
      <details class="filters-fold" ref={fold} open={!narrow}>
        <summary>
          Filters
          {set.length === 0 ? (
            <span class="muted"> (none set)</span>
          ) : (
            <span class="muted">
              : {set.map(([name, label]) => `${label} ${query.get(name)}`).join(", ")}
            </span>
          )}
        </summary>
        <form class="filters" onSubmit={submit} aria-label="Filter runs">
          {RUN_FILTERS.map(([name, label]) => (
            <label key={`${name}:${query.get(name) ?? ""}`} htmlFor={`filter-${name}`}>
              {label}
              {name === "status" ? (
                // `selected` on the option: Preact sets a select's `defaultValue` as a property
                // selects lack, and a page opened on ?status=deferred showed "any" (and applying
                // another filter then dropped the status).
                <select id={`filter-${name}`} name={name}>
                  {STATUSES.map((s) => (
                    <option key={s} value={s} selected={s === (query.get(name) ?? "")}>
                      {s === "" ? "any" : s}
                    </option>
                  ))}
                </select>
              ) : (
                <FilterInput
                  name={name}
                  value={query.get(name) ?? ""}
                  describedBy={name === "tier" ? "tier-legend" : undefined}
                />
              )}
            </label>
          ))}
          <div class="row">
            <button type="submit">Apply filters</button>
            <button type="button" onClick={() => navigate(paths.project(projectId))}>
              Clear
            </button>
          </div>
        </form>
      </details>
      <LoadFailed of={page} />
      <RunsTable projectId={projectId} runs={page.data?.runs ?? []} />
      {page.data === undefined && page.error === undefined ? <Loading what="the runs" /> : null}
      {page.data !== undefined && page.data.runs.length === 0 ? (
        <p>
          {RUN_FILTERS.some(([name]) => (query.get(name) ?? "") !== "")
            ? "No runs match these filters."
            : "No runs in this project yet: run a chain with tracing on (catena run … prints this studio's URL)."}
        </p>
      ) : null}
      <div class="row pager">
        {cursor === null ? null : (
          <button type="button" onClick={previousPage}>
            Previous page
          </button>
        )}
        {cursor === null && !page.data?.next ? null : <span class="muted">Page {before.length + 1}</span>}
        {page.data?.next ? (
          <button type="button" onClick={nextPage}>
            Next page
          </button>
        ) : null}
      </div>
      <TierLegend />
    </div>
  );
}

// The id is what the label's htmlFor names: without it the input has no label (a label with
// htmlFor labels only the element of that id, not the one it wraps).
function FilterInput({
  name,
  value,
  describedBy,
}: {
  name: string;
  value: string;
  describedBy?: string | undefined;
}) {
  const id = `filter-${name}`;
  if (name === "from" || name === "to")
    return <input id={id} name={name} type="datetime-local" defaultValue={value} />;
  if (name.startsWith("score"))
    return <input id={id} name={name} type="number" step="any" defaultValue={value} />;
  return <input id={id} name={name} type="text" defaultValue={value} aria-describedby={describedBy} />;
}

// `datetime-local` values have no zone: they are the browser's local time.
function toIso(value: string): string {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}
