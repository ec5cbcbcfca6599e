import type { Redis } from "ioredis";
import { goneSinceKey, LEASE_MS, takeWatchTurn, watchLeaseKey } from "./dead-watch-lease.ts";
import { KEY_PREFIX } from "./queue-layout.ts";

/**
 * How long a registered worker's connection must stay gone before its items are handed over
 * (default): well past a reconnection of ioredis after a blip (a network hiccup, a proxy, `CLIENT
 * KILL`; measured 65 ms after a `CLIENT KILL`, 0.3 s after a 2 s cut ended, and its backoff grows
 * to 2 s between tries), so that a live worker
 * does not lose its items, to run them twice.
 */
export const DEFAULT_DEAD_AFTER_MS = 5000;

/** How long after this watch's own connection (re)connected it does nothing (everyone reconnects then). */
const SETTLE_MS = 10_000;

/** How often the connections are looked at. */
const TICK_MS = 500;

/** The Redis set of the BullMQ worker ids of a queue whose connections are named (see {@link workerConnectionName}). */
export function workersKey(queueName: string): string {
  return `${KEY_PREFIX}:${queueName}:catena-workers`;
}

/** The client name of a worker's own connection: how Redis tells whether the worker is still there. */
export function workerConnectionName(workerId: string): string {
  return `catena:worker:${workerId}`;
}

/**
 * Frees the items of a dead worker, if it is still this watch's turn: for each job in `active`
 * whose lock a token of worker ARGV[2] holds (BullMQ's tokens are `<worker id>:<n>`), the lock is
 * deleted and the job marked stalled, so BullMQ's next stalled-job check puts it back in `wait` (its
 * own script, counting the stall); then the worker leaves the registry and the gone-since hash.
 * KEYS: active, stalled, registry, lease, gone-since; ARGV: job key prefix, worker id, own id.
 * Returns how many items it freed, or -1 when another worker watches now.
 */
const RELEASE_DEAD_WORKER = `
local prefix, id = ARGV[1], ARGV[2]
local held = redis.call("GET", KEYS[4])
if not held or string.sub(held, 1, #ARGV[3] + 1) ~= ARGV[3] .. " " then return -1 end
local freed = 0
for _, jobId in ipairs(redis.call("LRANGE", KEYS[1], 0, -1)) do
  local lock = redis.call("GET", prefix .. jobId .. ":lock")
  if lock and string.sub(lock, 1, #id + 1) == id .. ":" then
    redis.call("DEL", prefix .. jobId .. ":lock")
    redis.call("SADD", KEYS[2], jobId)
    freed = freed + 1
  end
end
redis.call("SREM", KEYS[3], id)
redis.call("HDEL", KEYS[5], id)
return freed
`;

/**
 * Hands the items of a worker that died (kill -9, a crash, a machine gone) to the others in
 * about 5–6 s, instead of when their locks expire (`lockDurationMs`, 30 s by default, plus up to
 * a stalled-job interval). A worker's death is read from Redis itself: each worker registers its
 * BullMQ id and names its own connection after it, and a registered worker whose connection has been
 * gone from `CLIENT LIST` for `deadAfterMs` (5 s by default) is dead. That is safe where a shorter lock is
 * not: a worker whose event loop is blocked (a CPU-heavy step, a model loading) keeps its
 * connection, and so its items, while it would miss renewing a short lock and have its items run
 * twice.
 *
 * One worker of a queue looks at a time (its turn, a lease in Redis renewed at each look, see
 * {@link takeWatchTurn}), twice a second: `CLIENT LIST` costs Redis in proportion to its
 * connections, and every worker looking made that grow with the square of the workers. The others
 * only try to take the turn, a small script, at the same pace: one takes it within a look of
 * {@link LEASE_MS} after the watching worker stopped renewing it (it died, or is blocked, or lost
 * its connection). When each worker was first seen gone is kept in Redis, on Redis's clock, so a
 * new watcher goes on from there; one it finds gone that the last watcher had not recorded (the
 * last watcher itself, and any that died with it, as on one machine) counts from the last
 * watcher's next look after its last renewal, the look it would have made: a kill is handed on as
 * soon whoever watched. The price: a live worker whose connection went in the same moment as the
 * watcher's has a grace shorter by up to the lease. The grace is the watching worker's
 * `deadAfterMs`: give all the workers of a queue the same.
 *
 * Nothing is done for {@link SETTLE_MS} after this watch's own connection reconnected or
 * Redis started (a restart or a failover: every connection is gone a while; a worker seen gone
 * before counts from then at the earliest), nor when Redis does not list this worker's own name
 * (CLIENT LIST or SETNAME not allowed, as on some hosted Redis): the locks then expire as before.
 * Runs on an unref'd timer, one look at a time.
 */
export function watchForDeadWorkers(options: {
  connection: Redis;
  queueName: string;
  /** The BullMQ id of this process's worker now (it changes when the worker starts again). */
  ownId: () => string;
  /** How long a worker's connection must stay gone (default {@link DEFAULT_DEAD_AFTER_MS}). */
  deadAfterMs?: number;
}): { stop(): void } {
  const { connection, queueName } = options;
  const deadAfterMs = options.deadAfterMs ?? DEFAULT_DEAD_AFTER_MS;
  /** When this watch's connection last reconnected (it is connected when the watch starts). */
  let readyAt = 0;
  const onReady = (): void => {
    readyAt = Date.now();
  };
  connection.on("ready", onReady);
  const goneKey = goneSinceKey(queueName);
  let looking = false;
  const look = async (): Promise<void> => {
    // Not settled, it neither takes nor renews the turn: another worker may watch meanwhile.
    if (connection.status !== "ready" || Date.now() - readyAt < SETTLE_MS) return;
    const ownId = options.ownId();
    const turn = await takeWatchTurn(connection, queueName, ownId);
    if (!turn.mine) return;
    const [list, registered, goneSince] = await Promise.all([
      connection.client("LIST") as Promise<string>,
      connection.smembers(workersKey(queueName)),
      connection.hgetall(goneKey),
    ]);
    const names = new Set(list.split("\n").map((line) => /(?:^| )name=(\S*)/.exec(line)?.[1]));
    if (!names.has(workerConnectionName(ownId))) return;
    const { now } = turn;
    const seen = new Set(registered);
    // Back, or no longer registered (closed, or freed by an earlier watcher): not gone.
    const back = Object.keys(goneSince).filter((id) => !seen.has(id) || names.has(workerConnectionName(id)));
    if (back.length > 0) await connection.hdel(goneKey, ...back);
    // Taken over: the workers gone now that the last watcher did not record were there at its
    // last look, and are counted from its next one (as it would have, had it gone on), so that
    // those that died with it (one machine) are handed on as soon as the others.
    const firstSeen = String(turn.takenOverFrom === undefined ? now : turn.takenOverFrom + TICK_MS);
    let startedAt: number | undefined;
    for (const id of registered) {
      if (names.has(workerConnectionName(id))) continue;
      const recorded = goneSince[id];
      if (recorded === undefined) {
        await connection.hsetnx(goneKey, id, firstSeen);
        if (turn.takenOverFrom === undefined) continue;
      }
      // A Redis that just started (a restart, a failover) lists only who reconnected yet.
      startedAt ??= now - (await redisUptimeMs(connection));
      if (now - Math.max(Number(recorded ?? firstSeen), startedAt + SETTLE_MS) < deadAfterMs) continue;
      const key = `${KEY_PREFIX}:${queueName}`;
      const freed = await connection.eval(
        RELEASE_DEAD_WORKER,
        5,
        `${key}:active`,
        `${key}:stalled`,
        workersKey(queueName),
        watchLeaseKey(queueName),
        goneKey,
        `${key}:`,
        id,
        ownId,
      );
      if (freed === -1) return;
    }
  };
  const timer = setInterval(() => {
    if (looking) return;
    looking = true;
    void look()
      .catch(() => undefined)
      .finally(() => {
        looking = false;
      });
  }, TICK_MS);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      connection.off("ready", onReady);
    },
  };
}

/** How long the Redis server has been up (INFO's `uptime_in_seconds`), in ms. */
async function redisUptimeMs(connection: Redis): Promise<number> {
  const info = await connection.info("server");
  return Number(/uptime_in_seconds:(\d+)/.exec(info)?.[1] ?? 0) * 1000;
}
