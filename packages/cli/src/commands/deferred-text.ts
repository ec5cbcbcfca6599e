import { type DeferredInfo, failureCode } from "@catena/core";

/** One line saying why a run was deferred: the cascade, its best guess and the tier errors. */
export function deferredText(chainId: string, deferred: DeferredInfo): string {
  const parts = [
    `${chainId} deferred the input: cascade "${deferred.cascade}" found no answer confident enough`,
  ];
  const best = deferred.best;
  if (best) {
    const label = best.result.label === null ? "no label" : `"${best.result.label}"`;
    parts.push(`best guess ${label} (confidence ${best.result.confidence.toFixed(2)}, tier "${best.tier}")`);
  }
  if (deferred.errors.length > 0) {
    parts.push(
      `tier errors: ${deferred.errors.map((e) => `${e.tier}: ${failureCode(e.error).code}`).join(", ")}`,
    );
  }
  return parts.join("; ");
}
