import type { Redis } from "ioredis";
import { type ItemRuns, lostItemError } from "./item-processor.ts";
import { jobLockKey } from "./queue-layout.ts";

/** How often the locks of the items running here are read, while any runs. */
const CHECK_MS = 500;

/**
 * Stops, within about half a second, the runs of items whose lock this worker no longer holds: a
 * worker whose connection was gone long enough to count as dead had its items freed by another
 * worker's dead-worker watch, and they run there. BullMQ itself finds out only at its next lock
 * renewal (half the lock duration, 15 s by default), and the copy here went on, spending (a
 * provider billing) what the other run spends again. The locks are read twice a second while items
 * run here (one MGET), and at once when the connection is back after a loss. A lock that is
 * missing counts as lost too: BullMQ's renewal would fail on it, and its stalled-job check hands
 * the item on. Runs on an unref'd timer, one check at a time.
 */
export function watchForLostLocks(options: { connection: Redis; queueName: string; runs: ItemRuns }): {
  stop(): void;
} {
  const { connection, queueName, runs } = options;
  let checking = false;
  const check = (): void => {
    if (checking || runs.taken.size === 0 || connection.status !== "ready") return;
    checking = true;
    const read = [...runs.taken.entries()];
    void connection
      .mget(read.map(([, item]) => jobLockKey(queueName, item.jobId)))
      .then((locks) => {
        for (const [i, [token, item]] of read.entries()) {
          // Ended meanwhile (its lock is gone with it): not this read's.
          if (runs.taken.get(token) !== item) continue;
          if (locks[i] !== item.token) item.stop.abort(lostItemError(item.jobId));
        }
      })
      .catch(() => undefined)
      .finally(() => {
        checking = false;
      });
  };
  const timer = setInterval(check, CHECK_MS);
  timer.unref();
  connection.on("ready", check);
  return {
    stop() {
      clearInterval(timer);
      connection.off("ready", check);
    },
  };
}
