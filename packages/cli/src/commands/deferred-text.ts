import type { DeferredInfo, SerializedError } from "@catena/core";

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
    parts.push(`tier errors: ${deferred.errors.map((e) => `${e.tier}: ${reasonCode(e.error)}`).join(", ")}`);
  }
  return parts.join("; ");
}

/**
 * The code that says why a tier failed: a step's failure (`STEP_FAILED`) wraps the error of what it
 * called (`PROVIDER_NOT_CONFIGURED`, `PROVIDER_FAILED`, ...), which is the one to act on.
 */
function reasonCode(error: SerializedError): string {
  let current = error;
  while (current.code === "STEP_FAILED" && current.cause !== undefined && current.cause.code !== "ERROR") {
    current = current.cause;
  }
  return current.code;
}
