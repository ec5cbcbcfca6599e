import { useEffect, useState } from "preact/hooks";

const CHANGE = "catena:navigate";

/** Goes to `href` on this origin without reloading the page. */
export function navigate(href: string, replace = false): void {
  if (replace) history.replaceState(null, "", href);
  else history.pushState(null, "", href);
  window.dispatchEvent(new Event(CHANGE));
}

/** The current path and query, re-rendering on navigation (links, back and forward). */
export function useLocation(): { path: string; query: URLSearchParams } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const update = () => setTick((n) => n + 1);
    window.addEventListener(CHANGE, update);
    window.addEventListener("popstate", update);
    return () => {
      window.removeEventListener(CHANGE, update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

/** Click handler for in-page links: a plain left click navigates in place, anything else is the browser's. */
export function followLink(event: MouseEvent): void {
  const anchor = (event.target as Element | null)?.closest("a");
  if (anchor === null || anchor === undefined || anchor.origin !== location.origin || anchor.target !== "")
    return;
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(anchor.pathname + anchor.search);
}

/** The tenant segment of the current `/o/{tenant}/...` path, for the links the page builds. */
export function tenant(): string {
  return /^\/o\/([^/]+)/.exec(location.pathname)?.[1] ?? "local";
}

/** Page paths, in LangSmith's web-app shapes so that the SDK's links open them. */
export const paths = {
  projects: () => `/o/${tenant()}/projects`,
  project: (id: string, query = "") => `/o/${tenant()}/projects/p/${id}${query}`,
  run: (project: string, run: string) => `/o/${tenant()}/projects/p/${project}/r/${run}`,
  trends: (project: string, query = "") => `/o/${tenant()}/projects/p/${project}/trends${query}`,
  queue: (project: string) => `/o/${tenant()}/projects/p/${project}/queue`,
  datasets: () => `/o/${tenant()}/datasets`,
  dataset: (id: string) => `/o/${tenant()}/datasets/${id}`,
  compare: (dataset: string, sessions: readonly string[]) =>
    `/o/${tenant()}/datasets/${dataset}/compare?selectedSessions=${sessions.join(",")}`,
  reviews: () => `/o/${tenant()}/reviews`,
};
