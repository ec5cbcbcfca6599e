import type { Redis } from "ioredis";
import { KEY_PREFIX } from "./queue-layout.ts";

/**
 * How long the turn of a queue's dead-worker watch lasts without being renewed (it is renewed at
 * every look). Shorter than the grace of a dead worker, so that a watching worker that died is
 * followed, and its own items freed, about as soon as any other's.
 */
export const LEASE_MS = 2000;

/** The key holding whose turn it is to watch a queue's workers: `<worker id> <renewed at, ms>`. */
export function watchLeaseKey(queueName: string): string {
  return `${KEY_PREFIX}:${queueName}:catena-dead-watch`;
}

/**
 * The hash of a queue's registered workers seen without their connection, by worker id: when first
 * seen so (Redis's clock, ms). Kept in Redis, so that a watch taking over goes on counting from there.
 */
export function goneSinceKey(queueName: string): string {
  return `${KEY_PREFIX}:${queueName}:catena-gone-since`;
}

/**
 * Takes or renews the turn to watch, on Redis's clock. KEYS: lease, gone-since hash. ARGV: worker
 * id, lease ms, look interval ms. The turn is free when nobody renewed it for the lease. Taken
 * over from another worker, that one is counted gone from its last renewal plus a look (it renewed
 * at every look while it had its connection; if it has it, the next look sees it and forgets this).
 * Both keys expire an hour after the last watch, not to stay behind a queue nobody works on.
 * Returns {1 if this worker watches now, Redis's time in ms}.
 */
const TAKE_TURN = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local me, lease = ARGV[1], tonumber(ARGV[2])
local held = redis.call('GET', KEYS[1])
if held then
  local space = string.find(held, ' ', 1, true)
  local id, at = string.sub(held, 1, space - 1), tonumber(string.sub(held, space + 1))
  if id ~= me then
    if now - at < lease then return {0, now} end
    redis.call('HSETNX', KEYS[2], id, at + tonumber(ARGV[3]))
  end
end
redis.call('SET', KEYS[1], me .. ' ' .. now, 'PX', 3600000)
redis.call('PEXPIRE', KEYS[2], 3600000)
return {1, now}
`;

/**
 * Takes or renews this worker's turn to watch the queue's workers for dead ones (one worker of a
 * queue at a time: each look reads `CLIENT LIST`, whose cost grows with the connections, so that
 * every worker looking made the work grow with the square of the workers). Resolves with whether
 * it is this worker's turn, and Redis's time (ms), the clock of every watch of the queue.
 */
export async function takeWatchTurn(
  connection: Redis,
  queueName: string,
  workerId: string,
  lookEveryMs: number,
): Promise<{ mine: boolean; now: number }> {
  const [mine, now] = (await connection.eval(
    TAKE_TURN,
    2,
    watchLeaseKey(queueName),
    goneSinceKey(queueName),
    workerId,
    String(LEASE_MS),
    String(lookEveryMs),
  )) as [number, number];
  return { mine: mine === 1, now };
}
