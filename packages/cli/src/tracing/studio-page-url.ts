import type { TracingBackend } from "@catena/core/tracing";
import { DEFAULT_STUDIO_PORT } from "../commands/studio.ts";

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

/**
 * Where to look at the traces in a browser: the studio's page when the command traced to a
 * studio that keeps running, else how to start one on the same database (the in-process studio
 * stopped with the command); undefined for LangSmith, which prints its own links.
 */
export function studioPageHint(backend: TracingBackend | undefined): string | undefined {
  if (backend === undefined || backend.kind !== "studio") return undefined;
  if (!backend.inProcess) return `${backend.url.replace(/\/+$/, "")}/`;
  return `npx catena studio, then open http://127.0.0.1:${DEFAULT_STUDIO_PORT}/`;
}
