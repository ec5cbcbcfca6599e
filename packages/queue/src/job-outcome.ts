import type { QueuedRunResult, RunResult, SerializedError } from "@catena/core";
import { serializeError } from "@catena/core";

const NO_USAGE = { inputTokens: 0, outputTokens: 0, costUsd: 0 };

/** What a worker returns for an item: its run result as plain JSON, as the job's return value. */
export function queuedResult(result: RunResult): QueuedRunResult {
  const out: QueuedRunResult = {
    status: result.status,
    runId: result.runId,
    usage: result.usage,
    ms: result.ms,
  };
  if (result.status === "done") out.output = result.output;
  else if (result.status === "error") out.error = serializeError(result.error);
  else if (result.status === "deferred") out.deferred = result.deferred;
  else out.snapshot = result.snapshot;
  return out;
}

/**
 * The message a worker fails a job with when it refuses it: `CODE: message`, so that the submitter
 * records the item with the same code ({@link failedResult}).
 */
export function failureReason(code: string, message: string): string {
  return `${code}: ${message}`;
}

/** The result recorded for an item whose job ended in BullMQ's failed set. */
export function failedResult(failedReason: string | undefined): QueuedRunResult {
  const reason = failedReason ?? "the job failed without a reason";
  const match = /^([A-Z][A-Z0-9_]+): ([\s\S]*)$/.exec(reason);
  const error: SerializedError = match
    ? { name: "QueueError", code: match[1] as string, message: match[2] as string }
    : { name: "QueueError", code: "QUEUE_JOB_FAILED", message: reason };
  return { status: "error", error, usage: { ...NO_USAGE } };
}

/**
 * A job's return value as stored by BullMQ (a JSON string in events, parsed on a fetched job);
 * undefined when it holds no run result.
 */
export function parseReturnValue(value: unknown): QueuedRunResult | undefined {
  const parsed: unknown = typeof value === "string" ? JSON.parse(value) : value;
  if (typeof parsed !== "object" || parsed === null || !("status" in parsed)) return undefined;
  return parsed as QueuedRunResult;
}
