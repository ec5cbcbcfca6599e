import { type JSX, render } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { onApiKeyNeeded } from "./api.ts";
import { useFocusOnNavigate } from "./focus-on-navigate.ts";
import { ApiKeyDialog } from "./parts/api-key-dialog.tsx";
import { followLink, paths, useLocation } from "./router.ts";
import { CompareView } from "./views/compare-view.tsx";
import { DatasetView } from "./views/dataset-view.tsx";
import { DatasetsView, ProjectsView } from "./views/projects-view.tsx";
import { QueueView } from "./views/queue-view.tsx";
import { ReviewsView } from "./views/reviews-view.tsx";
import { RunsView } from "./views/runs-view.tsx";
import { SharedRunView } from "./views/shared-run-view.tsx";
import { TraceView } from "./views/trace-view.tsx";
import { TrendsView } from "./views/trends-view.tsx";

const ID = "([0-9a-fA-F-]{36})";

type Render = (m: RegExpExecArray, query: URLSearchParams) => JSX.Element;

/** The views by path: LangSmith's web-app shapes (what the SDK links to) and the page's own. */
const ROUTES: Array<[RegExp, Render]> = [
  [
    new RegExp(`^/o/[^/]+/projects/p/${ID}/r/${ID}/?$`),
    (m, query) => <TraceView key={m[2]} runId={m[2] ?? ""} step={query.get("step")} />,
  ],
  // A run without its project: the links `catena run` prints.
  [
    new RegExp(`^/o/[^/]+/r/${ID}/?$`),
    (m, query) => <TraceView key={m[1]} runId={m[1] ?? ""} step={query.get("step")} />,
  ],
  [
    new RegExp(`^/o/[^/]+/projects/p/${ID}/trends/?$`),
    (m, query) => <TrendsView projectId={m[1] ?? ""} query={query} />,
  ],
  [new RegExp(`^/o/[^/]+/projects/p/${ID}/queue/?$`), (m) => <QueueView projectId={m[1] ?? ""} />],
  [
    new RegExp(`^/o/[^/]+/projects/p/${ID}/?$`),
    (m, query) => {
      // LangSmith's run links also come as a project page with ?peek=<run> or ?selectedRunId=.
      const peek = query.get("peek") ?? query.get("selectedRunId");
      return peek === null ? (
        <RunsView projectId={m[1] ?? ""} query={query} />
      ) : (
        <TraceView key={peek} runId={peek} step={query.get("step")} />
      );
    },
  ],
  [
    new RegExp(`^/o/[^/]+/datasets/${ID}/compare/?$`),
    (m, query) => (
      <CompareView
        datasetId={m[1] ?? ""}
        sessions={(query.get("selectedSessions") ?? "").split(",").filter((s) => s !== "")}
      />
    ),
  ],
  [new RegExp(`^/o/[^/]+/datasets/${ID}/?$`), (m) => <DatasetView datasetId={m[1] ?? ""} />],
  [/^\/o\/[^/]+\/datasets\/?$/, () => <DatasetsView />],
  [/^\/o\/[^/]+\/reviews\/?$/, () => <ReviewsView />],
  [/^\/public\/([^/]+)\/r\/?$/, (m) => <SharedRunView token={m[1] ?? ""} />],
];

function route(path: string, query: URLSearchParams): JSX.Element {
  for (const [pattern, render] of ROUTES) {
    const m = pattern.exec(path);
    if (m !== null) return render(m, query);
  }
  return <ProjectsView />;
}

function App() {
  const { path, query } = useLocation();
  const [askKey, setAskKey] = useState(false);
  const [generation, setGeneration] = useState(0);
  const main = useRef<HTMLElement>(null);
  useFocusOnNavigate(main, path);
  useEffect(() => onApiKeyNeeded(() => setAskKey(true)), []);
  useEffect(() => {
    document.addEventListener("click", followLink);
    return () => document.removeEventListener("click", followLink);
  }, []);
  const shared = path.startsWith("/public/");
  return (
    <div>
      <header class="top">
        <a class="brand" href={paths.projects()}>
          Catena studio
        </a>
        {shared ? null : (
          <nav aria-label="Main">
            <a href={paths.projects()}>Projects</a>
            <a href={paths.datasets()}>Datasets</a>
            <a href={paths.reviews()}>Paused reviews</a>
          </nav>
        )}
      </header>
      <main key={generation} ref={main}>
        {route(path, query)}
      </main>
      {askKey && !shared ? (
        <ApiKeyDialog
          onSaved={() => {
            setAskKey(false);
            setGeneration((n) => n + 1);
          }}
        />
      ) : null}
    </div>
  );
}

const root = document.getElementById("app");
if (root !== null) render(<App />, root);
