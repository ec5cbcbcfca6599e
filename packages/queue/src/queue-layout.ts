/** The BullMQ queue every batch goes to unless told otherwise. */
export const DEFAULT_QUEUE_NAME = "catena-batches";

/** BullMQ's key prefix (its default), under which Catena's own batch records live too. */
export const KEY_PREFIX = "bull";

/** Attempts per item before it is recorded as failed (the first run and two retries). */
export const DEFAULT_ATTEMPTS = 3;

/** The first retry waits this long; each next one twice as long (BullMQ's exponential backoff). */
export const DEFAULT_BACKOFF_MS = 1000;

/** What each item's job carries. */
export interface ItemJobData {
  batchId: string;
  index: number;
  input: unknown;
  chain: { name: string; version: string; fingerprint: string };
  run: { timeoutMs?: number; stepTimeoutMs?: number; metadata?: Record<string, unknown> };
}

/** The job id of item `index` of a batch: the same on every submission, so adding it twice adds it once. */
export function itemJobId(batchId: string, index: number): string {
  return `${batchId}-${index}`;
}

/** BullMQ's lock of a job: the token of the worker running it (`<worker id>:<n>`), while it runs. */
export function jobLockKey(queueName: string, jobId: string): string {
  return `${KEY_PREFIX}:${queueName}:${jobId}:lock`;
}

/** The Redis hash holding a batch's record: chain, counts, times, and whether it was cancelled. */
export function batchKey(queueName: string, batchId: string): string {
  return `${KEY_PREFIX}:${queueName}:catena-batch:${batchId}`;
}

/**
 * The Redis key that marks a batch as removed (`removeBatch`), for a while: its submitter, if one
 * still runs, stops instead of adding the removed items again. Outside the batch's own keys (see
 * {@link batchKeys}), which the removal deletes; a submission of the batch again deletes it.
 */
export function removedKey(queueName: string, batchId: string): string {
  return `${KEY_PREFIX}:${queueName}:catena-removed:${batchId}`;
}

/** How long {@link removedKey} stays (1 day): longer than a submitter may go without sweeping. */
export const REMOVED_MARK_MS = 24 * 60 * 60 * 1000;

/** The Redis list of a batch's most recent failures (JSON, newest first). */
export function failuresKey(queueName: string, batchId: string): string {
  return `${batchKey(queueName, batchId)}:failures`;
}

/**
 * The Redis bitmap of a batch's items whose latest finish had `status` (bit = item index): an item
 * that runs again (`--retry-failed`, a worker that died after counting) moves from one status to
 * another instead of being counted twice.
 */
export function statusBitsKey(queueName: string, batchId: string, status: string): string {
  return `${batchKey(queueName, batchId)}:items:${status}`;
}

/** The statuses an item can finish with on the queue: a run's, or `refused` by a worker. */
export const FINISHED_STATUSES = ["done", "error", "deferred", "waiting", "refused"] as const;

/**
 * Every Redis key of a batch's own (besides its jobs): its record, its latest failures and one
 * item bitmap per finished status. A finished batch's expire together; a removed one's go together.
 */
export function batchKeys(queueName: string, batchId: string): string[] {
  return [
    batchKey(queueName, batchId),
    failuresKey(queueName, batchId),
    ...FINISHED_STATUSES.map((status) => statusBitsKey(queueName, batchId, status)),
  ];
}

/** How long a finished batch's keys stay for `catena queue status` (7 days), unless told otherwise. */
export const DEFAULT_KEEP_FINISHED_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * How long the keys of a batch that stopped early (its budget, an abort, a failure, a cancel) stay
 * for its resume (30 days), unless told otherwise: a resume clears it, `catena queue remove` drops
 * them at once. Without it, a batch nobody resumes kept its keys for good.
 */
export const DEFAULT_KEEP_STOPPED_MS = 30 * 24 * 60 * 60 * 1000;

/** How many recent failures a batch keeps for `catena queue status`. */
export const KEPT_FAILURES = 20;
