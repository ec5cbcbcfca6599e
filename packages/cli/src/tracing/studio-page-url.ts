import type { TracingBackend } from "@catena/core/tracing";

/**
 * The studio page of run `runId`, in LangSmith's web-app shape without a project
 * (`/o/-/r/{run}`; the page finds the project), when the traces went to a studio that outlives
 * this command (`CATENA_STUDIO_URL`, e.g. a running `catena studio`); undefined for LangSmith and
 * for the studio this process started, which stops with it.
 */
export function studioRunPageUrl(backend: TracingBackend | undefined, runId: string): string | undefined {
  if (backend === undefined || backend.kind !== "studio" || backend.inProcess) return undefined;
  return `${backend.url.replace(/\/+$/, "")}/o/-/r/${runId}`;
}
