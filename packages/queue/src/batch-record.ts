import type { QueueBatchSpec } from "@catena/core";
import type { Redis } from "ioredis";
import { QueueError } from "./queue-error.ts";
import { batchKey, batchKeys, removedKey } from "./queue-layout.ts";

/**
 * Writes (or reopens) a batch's record as its submission starts: its chain and times, and no
 * longer cancelled, removed or expiring (a resume of a batch that was).
 */
export async function openBatchRecord(
  connection: Redis,
  queueName: string,
  spec: QueueBatchSpec,
): Promise<void> {
  const key = batchKey(queueName, spec.batchId);
  const { name, version, fingerprint } = spec.chain;
  const transaction = connection
    .multi()
    .hsetnx(key, "createdAt", String(Date.now()))
    .hset(key, { chain: name, version, fingerprint, submittedAt: String(Date.now()) })
    // Submitting again (a resume) reopens a cancelled batch.
    .hdel(key, "cancelled", "closed")
    // ... and one that was removed.
    .del(removedKey(queueName, spec.batchId));
  // ... and one that had finished: its keys no longer expire while it runs.
  for (const k of batchKeys(queueName, spec.batchId)) transaction.persist(k);
  await transaction.exec();
}

/**
 * Marks a batch's record closed and sets its keys' expiry, in one script: a check first and a write
 * after, apart, let a removal (`catena queue remove --force`) delete the record in between, and the
 * write brought it back, alone, for as long as a closed batch is kept (30 days when stopped), with
 * the counts of items that finished after it; `removeBatch` could not drop it: it had no chain. A batch being removed (its mark is set
 * before its keys go) is not closed either.
 */
const CLOSE_RECORD = `
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'closed', ARGV[1])
for i = 3, #KEYS do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
return 1
`;

/**
 * Marks how a batch's submission ended (`closed`: finished or stopped, for `catena queue status`)
 * and lets Redis drop its record and item bitmaps after `keepMs`. Before, every batch ever run,
 * then every batch nobody resumed, left them behind for good. A removed batch is left alone: it has
 * no record, which this must not bring back.
 */
export async function closeBatchRecord(
  connection: Redis,
  queueName: string,
  batchId: string,
  closed: "finished" | "stopped",
  keepMs: number,
): Promise<void> {
  const keys = batchKeys(queueName, batchId);
  await connection.eval(
    CLOSE_RECORD,
    2 + keys.length,
    batchKey(queueName, batchId),
    removedKey(queueName, batchId),
    ...keys,
    closed,
    String(keepMs),
  );
}

/**
 * Why the batch's submission must stop, if it must: it was removed (`catena queue remove --force`)
 * or cancelled (`catena queue cancel`) while it ran. Undefined while it may go on.
 */
export async function batchStop(
  connection: Redis,
  queueName: string,
  batchId: string,
): Promise<QueueError | undefined> {
  const [cancelled, removed] = await Promise.all([
    connection.hget(batchKey(queueName, batchId), "cancelled"),
    connection.exists(removedKey(queueName, batchId)),
  ]);
  if (removed === 1) {
    // Not "unknown" jobs to add again: they were removed on purpose, with the batch's record.
    return new QueueError(
      "QUEUE_BATCH_REMOVED",
      `Batch ${batchId} was removed from queue ${queueName} (catena queue remove --force) while this submission ran; its items still waiting were dropped. Submit it again with --resume to go on (the results file keeps what finished).`,
      { details: { batchId, queueName } },
    );
  }
  if (cancelled !== null) {
    return new QueueError(
      "QUEUE_BATCH_CANCELLED",
      `Batch ${batchId} was cancelled (catena queue cancel); submit it again with --resume to go on.`,
      { details: { batchId } },
    );
  }
  return undefined;
}
