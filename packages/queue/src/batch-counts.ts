import type { Redis } from "ioredis";
import {
  batchKey,
  FINISHED_STATUSES,
  failuresKey,
  type ItemJobData,
  KEPT_FAILURES,
  statusBitsKey,
} from "./queue-layout.ts";

/**
 * Moves an item to its new status in the batch's counts: the status it finished with before, if
 * any, loses it (one script, so two finishes of one item cannot both count). A batch without a
 * record (removed, or expired after it finished) is not counted: its bitmaps would otherwise come
 * back, alone, for good. A record that expires (its submitter closed the batch as finished) gives
 * its time left to the bitmap this may create: PEXPIRE left no expiry on keys that did not exist
 * yet. A failure joins the latest failures in the same script: pushed after, apart, it brought the
 * list back, for good, when a removal (`catena queue remove --force`) came in between.
 * Counted only while the worker still holds the item's lock (its token in the lock key): one whose
 * lock went to another worker (freed as of a dead worker's) does not count what the other one will.
 * KEYS: record, failures, the job's lock, one bitmap per status. ARGV: index, status slot, now,
 * failure entry ('' for none), failures kept, the lock's token, the statuses. Returns the record's
 * time left in ms (-1: none), -2 when nothing was counted as the batch has no record, or -3 as the
 * lock is another's.
 */
const COUNT_FINISHED = `
if redis.call('GET', KEYS[3]) ~= ARGV[6] then return -3 end
if redis.call('EXISTS', KEYS[1]) == 0 then return -2 end
local ttl = redis.call('PTTL', KEYS[1])
local index = tonumber(ARGV[1])
local slot = tonumber(ARGV[2])
for i = 4, #KEYS do
  if redis.call('GETBIT', KEYS[i], index) == 1 then
    redis.call('SETBIT', KEYS[i], index, 0)
    redis.call('HINCRBY', KEYS[1], ARGV[i + 3], -1)
  end
end
local bits = KEYS[4 + slot]
redis.call('SETBIT', bits, index, 1)
if ttl > 0 then redis.call('PEXPIRE', bits, ttl) end
redis.call('HINCRBY', KEYS[1], ARGV[7 + slot], 1)
redis.call('HSETNX', KEYS[1], 'firstFinishedAt', ARGV[3])
redis.call('HSET', KEYS[1], 'lastFinishedAt', ARGV[3])
if ARGV[4] ~= '' then
  redis.call('LPUSH', KEYS[2], ARGV[4])
  redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[5]) - 1)
  if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
end
return ttl
`;

/**
 * Counts a retry in its batch's record, if the batch still has one and the worker still holds the
 * item's lock. KEYS: record, the job's lock. ARGV: the lock's token. Returns the retries, 0 when
 * the batch has no record, or -1 as the lock is another's.
 */
const COUNT_RETRY = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return -1 end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
return redis.call('HINCRBY', KEYS[1], 'retries', 1)
`;

/** Counts a retry of an item in its batch's record, if the worker still holds the item (`lock`). */
export async function countRetry(
  connection: Redis,
  queueName: string,
  data: ItemJobData,
  lock: { key: string; token: string },
): Promise<CountOutcome> {
  const counted = await connection.eval(
    COUNT_RETRY,
    2,
    batchKey(queueName, data.batchId),
    lock.key,
    lock.token,
  );
  return counted === -1 ? "lock-lost" : counted === 0 ? "no-record" : "counted";
}

/** What a count says: counted, not counted as the batch has no record, or as the item's lock is another worker's. */
export type CountOutcome = "counted" | "no-record" | "lock-lost";

/**
 * Counts a finished item in its batch's record, and keeps the latest failures for `queue status`,
 * if the worker still holds the item (`lock`: its key and this worker's token).
 */
export async function countFinished(
  connection: Redis,
  queueName: string,
  data: ItemJobData,
  lock: { key: string; token: string },
  status: string,
  failure: { code: string; message: string } | undefined,
): Promise<CountOutcome> {
  const key = batchKey(queueName, data.batchId);
  const now = String(Date.now());
  const statuses: readonly string[] = FINISHED_STATUSES;
  const slot = statuses.indexOf(status);
  if (slot < 0) throw new Error(`unknown finished status ${status}`);
  const bits = statuses.map((s) => statusBitsKey(queueName, data.batchId, s));
  const entry = failure ? JSON.stringify({ index: data.index, ...failure, at: Number(now) }) : "";
  const ttl = await connection.eval(
    COUNT_FINISHED,
    3 + bits.length,
    key,
    failuresKey(queueName, data.batchId),
    lock.key,
    ...bits,
    String(data.index),
    String(slot),
    now,
    entry,
    String(KEPT_FAILURES),
    lock.token,
    ...statuses,
  );
  return ttl === -3 ? "lock-lost" : ttl === -2 ? "no-record" : "counted";
}
