import type { ChainRegistry } from "@catena/core";
import { langsmithSettingsFromEnv } from "@catena/core/tracing";

/**
 * The trace projects to read: `--project` when given; else the projects the chain(s) trace to — a
 * chain's `metadata.project`, or `LANGSMITH_PROJECT` (default `"default"`) for chains naming none.
 */
export function traceProjects(registry: ChainRegistry, chain?: string, explicit?: string): string[] {
  if (explicit !== undefined) return [explicit];
  const fallback = langsmithSettingsFromEnv().project;
  const chains = registry.list().filter((c) => chain === undefined || c.name === chain);
  const projects = new Set<string>(chain === undefined || chains.length === 0 ? [fallback] : []);
  for (const c of chains) {
    const project = c.metadata.project;
    projects.add(typeof project === "string" && project !== "" ? project : fallback);
  }
  return [...projects];
}
