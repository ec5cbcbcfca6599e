import type { Run } from "./types.ts";

/** A run's metadata (Catena's chain, version, tier, confidence… as traced), `{}` when it has none. */
export function metaOf(run: Run): Record<string, unknown> {
  return run.extra?.metadata ?? {};
}

/** A metadata value that is a number, else undefined. */
export function numberFact(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}

/** A metadata value as text (a number too: a version or an attempt traced as a number), else undefined. */
export function textFact(value: unknown): string | undefined {
  return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
}

/** A run's outcome as people read it: Catena's status when recorded (`deferred`, `waiting`), else LangSmith's. */
export function statusOf(run: Run): string {
  return textFact(metaOf(run).status) ?? run.status;
}

/** A trace's root run: the one without a parent (undefined while the SDK has not sent it). */
export function rootOf(runs: readonly Run[]): Run | undefined {
  return runs.find((r) => r.parent_run_id === null);
}

/** A trace's name as its header reads it: `chain@version` from Catena's metadata, else the root's name. */
export function traceName(root: Run): string {
  const m = metaOf(root);
  return `${typeof m.chain === "string" ? m.chain : (root.name ?? "")}${typeof m.version === "string" ? `@${m.version}` : ""}`;
}
