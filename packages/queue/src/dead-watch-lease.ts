import type { Redis } from "ioredis";
import { KEY_PREFIX } from "./queue-layout.ts";

/**
 * How long the turn of a queue's dead-worker watch lasts without being renewed (it is renewed at
 * every look, twice a second): long enough for a watching worker's timers to slip a second under
 * load, short enough that another takes over soon after it died.
 */
export const LEASE_MS = 1500;

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
 * id, lease ms. The turn is free when nobody renewed it for the lease. Both keys expire an hour
 * after the last watch, not to stay behind a queue nobody works on. Returns {1 if this worker
 * watches now, Redis's time in ms, when the worker it took the turn from last renewed it (ms; -1
 * when it took no turn from anyone)}.
 */
const TAKE_TURN = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local me, lease = ARGV[1], tonumber(ARGV[2])
local held = redis.call('GET', KEYS[1])
local from = -1
if held then
  local space = string.find(held, ' ', 1, true)
  local id, at = string.sub(held, 1, space - 1), tonumber(string.sub(held, space + 1))
  if id ~= me then
    if now - at < lease then return {0, now, -1} end
    from = at
  end
end
redis.call('SET', KEYS[1], me .. ' ' .. now, 'PX', 3600000)
redis.call('PEXPIRE', KEYS[2], 3600000)
return {1, now, from}
`;

/** What {@link takeWatchTurn} found. */
export interface WatchTurn {
  /** Whether this worker watches now. */
  mine: boolean;
  /** Redis's time (ms): the clock of every watch of the queue. */
  now: number;
  /**
   * When this worker took the turn over from another, that one's last renewal (Redis's time, ms),
   * made just before its last look: a worker it did not see gone then was there at that time.
   */
  takenOverFrom?: number;
}

/**
 * Takes or renews this worker's turn to watch the queue's workers for dead ones (one worker of a
 * queue at a time: each look reads `CLIENT LIST`, whose cost grows with the connections, so that
 * every worker looking made the work grow with the square of the workers).
 */
export async function takeWatchTurn(
  connection: Redis,
  queueName: string,
  workerId: string,
): Promise<WatchTurn> {
  const [mine, now, from] = (await connection.eval(
    TAKE_TURN,
    2,
    watchLeaseKey(queueName),
    goneSinceKey(queueName),
    workerId,
    String(LEASE_MS),
  )) as [number, number, number];
  return { mine: mine === 1, now, ...(from >= 0 ? { takenOverFrom: from } : {}) };
}
