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
 * Lua: `own_fresh_turn(lease key, worker id, lease ms)`, whether the turn is this worker's and was
 * renewed less than a lease ago (Redis's clock). Every write of a look starts with it: a watcher
 * whose event loop stalled past the lease may have lost the turn, or read a `CLIENT LIST` that no
 * longer holds, and must not write what it concluded from it.
 */
export const OWN_FRESH_TURN_LUA = `
local function own_fresh_turn(key, me, lease)
  local held = redis.call('GET', key)
  if not held then return false end
  local space = string.find(held, ' ', 1, true)
  if not space or string.sub(held, 1, space - 1) ~= me then return false end
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  return now - tonumber(string.sub(held, space + 1)) < lease
end
`;

/**
 * Takes or renews the turn to watch, on Redis's clock. KEYS: lease, gone-since hash. ARGV: worker
 * id, lease ms, hand-over ms. The turn is free when nobody renewed it for the lease. Both keys
 * expire an hour after the last watch, not to stay behind a queue nobody works on. Returns {1 if
 * this worker watches now, Redis's time in ms, when the worker it took the turn from last renewed
 * it (ms; -1 when it took no turn from anyone, or from one that stopped renewing more than the
 * hand-over ago: nobody watched in between, as after a failover, so that what that watcher saw
 * says nothing of now)}.
 */
const TAKE_TURN = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local me, lease, handover = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local held = redis.call('GET', KEYS[1])
local from = -1
if held then
  local space = string.find(held, ' ', 1, true)
  local id, at = string.sub(held, 1, space - 1), tonumber(string.sub(held, space + 1))
  if id ~= me then
    if now - at < lease then return {0, now, -1} end
    if now - at <= handover then from = at end
  end
end
redis.call('SET', KEYS[1], me .. ' ' .. now, 'PX', 3600000)
redis.call('PEXPIRE', KEYS[2], 3600000)
return {1, now, from}
`;

/** Gives the turn up if it is this worker's. KEYS: lease. ARGV: worker id. Returns 1 if it did. */
const LEAVE_TURN = `
local held = redis.call('GET', KEYS[1])
if held and string.sub(held, 1, #ARGV[1] + 1) == ARGV[1] .. ' ' then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** The lease's scripts, defined once per connection (sent by SHA, EVALSHA, after the first call). */
interface LeaseCommands {
  catenaTakeWatchTurn(
    lease: string,
    goneSince: string,
    me: string,
    leaseMs: string,
    handOverMs: string,
  ): Promise<unknown>;
  catenaLeaveWatchTurn(lease: string, me: string): Promise<unknown>;
}

const defined = new WeakSet<Redis>();

function leaseCommands(connection: Redis): Redis & LeaseCommands {
  if (!defined.has(connection)) {
    connection.defineCommand("catenaTakeWatchTurn", { numberOfKeys: 2, lua: TAKE_TURN });
    connection.defineCommand("catenaLeaveWatchTurn", { numberOfKeys: 1, lua: LEAVE_TURN });
    defined.add(connection);
  }
  return connection as Redis & LeaseCommands;
}

/** What {@link takeWatchTurn} found. */
export interface WatchTurn {
  /** Whether this worker watches now. */
  mine: boolean;
  /** Redis's time (ms): the clock of every watch of the queue. */
  now: number;
  /**
   * When this worker took the turn over from another that renewed it within the hand-over, that
   * one's last renewal (Redis's time, ms), made just before its last look: a worker it did not see
   * gone then was there at that time.
   */
  takenOverFrom?: number;
}

/**
 * Takes or renews this worker's turn to watch the queue's workers for dead ones (one worker of a
 * queue at a time: each look reads `CLIENT LIST`, whose cost grows with the connections, so that
 * every worker looking made the work grow with the square of the workers). `handOverMs`: how long
 * after its last renewal the last watcher's looks still vouch for the workers it saw (see
 * {@link WatchTurn.takenOverFrom}).
 */
export async function takeWatchTurn(
  connection: Redis,
  queueName: string,
  workerId: string,
  handOverMs: number,
): Promise<WatchTurn> {
  const [mine, now, from] = (await leaseCommands(connection).catenaTakeWatchTurn(
    watchLeaseKey(queueName),
    goneSinceKey(queueName),
    workerId,
    String(LEASE_MS),
    String(handOverMs),
  )) as [number, number, number];
  return { mine: mine === 1, now, ...(from >= 0 ? { takenOverFrom: from } : {}) };
}

/** Gives up this worker's turn to watch, if it holds it, so that another takes it at its next look. */
export async function leaveWatchTurn(connection: Redis, queueName: string, workerId: string): Promise<void> {
  await leaseCommands(connection).catenaLeaveWatchTurn(watchLeaseKey(queueName), workerId);
}
