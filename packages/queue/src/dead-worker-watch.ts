import type { Redis } from "ioredis";
import {
  goneSinceKey,
  LEASE_MS,
  leaveWatchTurn,
  OWN_FRESH_TURN_LUA,
  takeWatchTurn,
  watchLeaseKey,
} from "./dead-watch-lease.ts";
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

/**
 * How long after the last watcher's last renewal a watcher taking over goes on from that one's
 * looks (a lease and up to two looks late, timers slipping under load); later, nobody watched in
 * between (a failover, a proxy blip), and it counts the workers it finds gone from its own look.
 */
const HAND_OVER_MS = LEASE_MS + 2 * TICK_MS;

/** The Redis set of the BullMQ worker ids of a queue whose connections are named (see {@link workerConnectionName}). */
export function workersKey(queueName: string): string {
  return `${KEY_PREFIX}:${queueName}:catena-workers`;
}

/** The client name of a worker's own connection: how Redis tells whether the worker is still there. */
export function workerConnectionName(workerId: string): string {
  return `catena:worker:${workerId}`;
}

/** The client names in a `CLIENT LIST` reply (its `name=` fields; unnamed connections give ""). */
export function connectionNames(clientList: string): Set<string> {
  const names = new Set<string>();
  for (const line of clientList.split("\n")) {
    const name = /(?:^| )name=(\S*)/.exec(line)?.[1];
    if (name !== undefined) names.add(name);
  }
  return names;
}

/**
 * Frees the items of a dead worker, if it is still this watch's turn, renewed less than a lease
 * ago (else the `CLIENT LIST` it judged by may be old): for each job in `active` whose lock a token
 * of worker ARGV[2] holds (BullMQ's tokens are `<worker id>:<n>`), the lock is deleted and the job
 * marked stalled, so BullMQ's next stalled-job check puts it back in `wait` (its own script,
 * counting the stall); then the worker leaves the registry and the gone-since hash.
 * KEYS: active, stalled, registry, lease, gone-since; ARGV: job key prefix, worker id, own id,
 * lease ms. Returns how many items it freed, or -1 when the turn is not this watch's, or stale.
 */
const RELEASE_DEAD_WORKER = `${OWN_FRESH_TURN_LUA}
local prefix, id = ARGV[1], ARGV[2]
if not own_fresh_turn(KEYS[4], ARGV[3], tonumber(ARGV[4])) then return -1 end
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
 * Records what a look saw in the gone-since hash, if it is still this watch's turn, renewed less
 * than a lease ago: the workers back (or gone from the registry) leave it, the newly gone join it
 * (HSETNX: a time recorded stays). KEYS: lease, gone-since; ARGV: own id, lease ms, first seen,
 * how many are back, their ids, then the newly gone ids. Returns 1, or -1 when the turn is not this
 * watch's, or stale.
 */
const RECORD_GONE = `${OWN_FRESH_TURN_LUA}
if not own_fresh_turn(KEYS[1], ARGV[1], tonumber(ARGV[2])) then return -1 end
local back = tonumber(ARGV[4])
for i = 5, 4 + back do redis.call("HDEL", KEYS[2], ARGV[i]) end
for i = 5 + back, #ARGV do redis.call("HSETNX", KEYS[2], ARGV[i], ARGV[3]) end
return 1
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
 * soon whoever watched. That holds only within {@link HAND_OVER_MS} of the last renewal: a turn
 * nobody renewed for longer (a failover, a proxy blip) says nothing of who was there since, and the
 * new watcher counts them from its own look. The price: a live worker whose connection went in the
 * same moment as the watcher's has a grace shorter by up to the hand-over less a look (2 s). Every write of a look is
 * made only while the turn is this watch's and was renewed less than a lease ago (checked in the
 * write's own script), so a watcher whose event loop stalled writes nothing it judged from an old
 * `CLIENT LIST`. A watcher whose own named connection is away leaves the turn (or never takes it):
 * Redis cannot list it, and it could not tell itself from the dead. The grace is the watching
 * worker's `deadAfterMs`: give all the workers of a queue the same.
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
  /**
   * Whether this process's worker's own (named) connection is connected now: while it is not,
   * Redis cannot list it, this watch could not tell itself from the dead, and leaves the turn.
   */
  ownReady: () => boolean;
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
    // Not settled, it neither takes nor renews the turn: another worker may watch meanwhile. Nor
    // while its own named connection is away (reconnecting): it would keep the turn and not watch.
    if (connection.status !== "ready" || Date.now() - readyAt < SETTLE_MS || !options.ownReady()) return;
    const ownId = options.ownId();
    const turn = await takeWatchTurn(connection, queueName, ownId, HAND_OVER_MS);
    if (!turn.mine) return;
    const [list, registered, goneSince] = await Promise.all([
      connection.client("LIST") as Promise<string>,
      connection.smembers(workersKey(queueName)),
      connection.hgetall(goneKey),
    ]);
    const names = connectionNames(list);
    if (!names.has(workerConnectionName(ownId))) {
      // Its own connection went meanwhile: another takes the turn at once. Connected and still not
      // listed, Redis does not name connections (CLIENT SETNAME not allowed) and nobody can watch:
      // it keeps the turn, so that the others do not each read CLIENT LIST in vain.
      if (!options.ownReady()) await leaveWatchTurn(connection, queueName, ownId);
      return;
    }
    const { now } = turn;
    const seen = new Set(registered);
    // Back, or no longer registered (closed, or freed by an earlier watcher): not gone.
    const back = Object.keys(goneSince).filter((id) => !seen.has(id) || names.has(workerConnectionName(id)));
    const gone = registered.filter((id) => !names.has(workerConnectionName(id)));
    const unrecorded = gone.filter((id) => goneSince[id] === undefined);
    // Taken over: the workers gone now that the last watcher did not record were there at its
    // last look, and are counted from its next one (as it would have, had it gone on), so that
    // those that died with it (one machine) are handed on as soon as the others.
    const firstSeen = String(turn.takenOverFrom === undefined ? now : turn.takenOverFrom + TICK_MS);
    if (back.length > 0 || unrecorded.length > 0) {
      const recorded = await connection.eval(
        RECORD_GONE,
        2,
        watchLeaseKey(queueName),
        goneKey,
        ownId,
        String(LEASE_MS),
        firstSeen,
        String(back.length),
        ...back,
        ...unrecorded,
      );
      if (recorded === -1) return;
    }
    let startedAt: number | undefined;
    for (const id of gone) {
      const recorded = goneSince[id];
      if (recorded === undefined && turn.takenOverFrom === undefined) continue;
      // A Redis that just started (a restart, a failover) lists only who reconnected yet.
      startedAt ??= now - (await redisUptimeMs(connection));
      if (now - Math.max(Number(recorded ?? firstSeen), startedAt + SETTLE_MS) < deadAfterMs) continue;
      if ((await releaseDeadWorker(connection, queueName, id, ownId)) === -1) return;
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
      // Stopping (closing), it hands the turn on at once instead of after the lease.
      if (connection.status === "ready")
        void leaveWatchTurn(connection, queueName, options.ownId()).catch(() => undefined);
    },
  };
}

/**
 * Frees the items of dead worker `deadId` and takes it out of the registry, if the watch's turn is
 * worker `ownId`'s and fresh (see {@link RELEASE_DEAD_WORKER}). Returns how many items it freed, or
 * -1 when the turn is another's or stale (nothing written).
 */
export async function releaseDeadWorker(
  connection: Redis,
  queueName: string,
  deadId: string,
  ownId: string,
): Promise<number> {
  const key = `${KEY_PREFIX}:${queueName}`;
  return (await connection.eval(
    RELEASE_DEAD_WORKER,
    5,
    `${key}:active`,
    `${key}:stalled`,
    workersKey(queueName),
    watchLeaseKey(queueName),
    goneSinceKey(queueName),
    `${key}:`,
    deadId,
    ownId,
    String(LEASE_MS),
  )) as number;
}

/** How long the Redis server has been up (INFO's `uptime_in_seconds`), in ms. */
async function redisUptimeMs(connection: Redis): Promise<number> {
  const info = await connection.info("server");
  return Number(/uptime_in_seconds:(\d+)/.exec(info)?.[1] ?? 0) * 1000;
}
