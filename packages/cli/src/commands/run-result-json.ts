import { type RunResult, serializeError } from "@catena/core";

/**
 * A run result as plain JSON: status, output, runId, chain, steps, usage, timings, and (by status)
 * the serialised error, the deferral or the snapshot to resume from.
 */
export function runResultJson(result: RunResult): Record<string, unknown> {
  const base: Record<string, unknown> = {
    status: result.status,
    runId: result.runId,
    chain: result.chain,
  };
  if (result.status === "done") base.output = result.output;
  else if (result.status === "error") base.error = serializeError(result.error);
  else if (result.status === "deferred") base.deferred = result.deferred;
  else base.snapshot = result.snapshot;
  return { ...base, steps: result.steps, usage: result.usage, startedAt: result.startedAt, ms: result.ms };
}
