import type { TracingBackend } from "@catena/core/tracing";
import { DEFAULT_STUDIO_PORT } from "../commands/studio.ts";

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
