import type { RedisClient, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { workersKey } from "./dead-worker-watch.ts";
import { forceCloseWorker } from "./force-close-worker.ts";
import type { RedisWatch } from "./redis-watchdog.ts";
import { settlesWithin } from "./settles-within.ts";

/** How long a closing worker waits for BullMQ to close once no item runs, at most. */
const CLOSE_WAIT_MS = 5000;

/** What {@link closeWorker} closes: a worker's parts once nothing restarts it any more. */
export interface ClosingWorker {
  queueName: string;
  /** The BullMQ worker (the last one, when it was started again). */
  worker: Worker;
  /** The worker's own connection, given to BullMQ. */
  workerConnection: Redis;
  /** The connection of the watches and the counts. */
  connection: Redis;
  /** The connections the Redis watch checks. */
  watched: readonly { readonly status: string }[];
  /** BullMQ's blocking connection of the worker, once it exists: taken out of the watch here. */
  blocking: RedisClient[];
  /** The Redis watch, still on: Redis may die during the close. Stopped at its end. */
  watch: RedisWatch;
  /** Items in flight here: their chain runs, or their result waits for Redis to be stored. */
  running(): number;
}

/**
 * Closes a worker: stops taking items, waits for those in flight (through a Redis restart), and
 * disconnects; it leaves the registry of workers when it closed with nothing left in flight.
 *
 * An item whose chain ends while Redis is away stays in flight until Redis takes its result: the
 * close waits for Redis for it, as for a chain still running, up to the worker's allowance
 * (`unreachableAfterMs`, 60 s by default), and the result is stored once Redis is back. Only
 * then is it given up: the item, still locked by this worker, goes to another worker once its
 * lock expires or another worker's dead-worker watch frees it, and runs again there.
 *
 * Forced (connections dropped at once) when Redis is away while no item is in flight, when Redis
 * has been away for the whole allowance, or when BullMQ is still closing {@link CLOSE_WAIT_MS}
 * after the last item ended.
 */
export async function closeWorker(closing: ClosingWorker): Promise<void> {
  const { worker, watch, connection } = closing;
  // BullMQ's close drops its blocking connection itself: watched no more, that is no outage.
  // The watch goes on until the close ends: Redis may die during it.
  const blockingClients = closing.blocking.splice(0);
  // Any connection not ready (Redis restarting, or back but a connection still reconnecting)
  // while no item is in flight: nothing is lost by forcing, and BullMQ's normal close would wait
  // for an "end" that a reconnecting ioredis never sends.
  const ready = [...closing.watched, ...blockingClients].every((c) => c.status === "ready");
  const lost = watch.gone || ((watch.down || !ready) && closing.running() === 0);
  if (!lost) {
    // Items in flight take their time, and go on through a Redis restart (a long LLM call
    // thrown away would run, and be billed, twice). BullMQ closing its connections after them
    // may wait for good on a Redis gone during the close.
    const closed = worker.close().then(
      () => true,
      () => true,
    );
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const wait = (ms: number): Promise<unknown> =>
      new Promise((resolve) => {
        timer = setTimeout(resolve, ms);
      });
    // Given up on: BullMQ still closing CLOSE_WAIT_MS after the last item ended; Redis away
    // while no item is in flight (nothing to wait for); or Redis away for the whole allowance
    // (`unreachableAfterMs`), as for a worker that is not closing.
    const stuck = (async () => {
      let idleSince: number | undefined;
      while (!settled && !watch.gone && !(watch.down && closing.running() === 0)) {
        if (closing.running() > 0) idleSince = undefined;
        else {
          idleSince ??= Date.now();
          if (Date.now() - idleSince >= CLOSE_WAIT_MS) break;
        }
        await wait(100);
      }
      return false;
    })();
    const closedInTime = await Promise.race([closed, stuck]);
    // Its timer would keep the process alive for the whole wait after a clean close.
    settled = true;
    clearTimeout(timer);
    // Closed with nothing left in flight: it leaves the registry. Forced, it stays, and
    // another worker's dead-worker watch frees what it held once its connection is gone.
    if (closedInTime) await settlesWithin(connection.srem(workersKey(closing.queueName), worker.id), 1000);
    else forceCloseWorker(worker, blockingClients);
  } else forceCloseWorker(worker, blockingClients);
  watch.stop();
  // BullMQ leaves connections it was given open: they are ours to close.
  closing.workerConnection.disconnect();
  connection.disconnect();
}
