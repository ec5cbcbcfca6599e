import { paths } from "./router.ts";

const KEY = "catena.studio.runs.";

/**
 * Remembers the query (filters and page) the runs table of `projectId` was last shown with, in this
 * tab only (session storage: another tab keeps its own, a tab opened from a link starts with a
 * copy), so that a trace's way back leads to those runs as the browser's Back does.
 */
export function rememberRunsQuery(projectId: string, search: string): void {
  try {
    sessionStorage.setItem(KEY + projectId, search);
  } catch {
    // Storage refused (a private window's quota, a browser setting): the way back has no filters.
  }
}

/** The runs of `projectId` as this tab last showed them ({@link rememberRunsQuery}); unfiltered if never. */
export function runsHref(projectId: string): string {
  let search = "";
  try {
    search = sessionStorage.getItem(KEY + projectId) ?? "";
  } catch {
    search = "";
  }
  return paths.project(projectId, search.startsWith("?") ? search : "");
}
