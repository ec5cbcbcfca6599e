/**
 * What {@link stopWorkerTimers} found and stopped of a BullMQ worker: false when this BullMQ has no
 * such field of the expected shape (its internals changed), or the stalled-job check never ran.
 */
export interface StoppedWorkerTimers {
  /** The lock-renewal timer (BullMQ's `lockManager`, a protected field). */
  lockRenewal: boolean;
  /** The wait before the next stalled-job check (BullMQ's `stalledCheckStopper`, a private field). */
  stalledCheck: boolean;
}

/**
 * Stops the two timers of a BullMQ worker that its own close stops only at its end, for a close that
 * never gets there (see forceCloseWorker): the lock renewal, which re-arms itself for good, and the
 * wait of the stalled-job check. Neither is in BullMQ's public API (fields of BullMQ 5's `Worker`):
 * this is the one place that reaches into them. Each is used only when it has the shape expected,
 * and nothing here throws: with other internals it stops less, and says so in what it returns (a
 * test fails then, tests/queue-force-close.test.ts), while the forced close still drops the
 * connections.
 */
export function stopWorkerTimers(worker: object): StoppedWorkerTimers {
  const stopped: StoppedWorkerTimers = { lockRenewal: false, stalledCheck: false };
  try {
    const fields = worker as { lockManager?: unknown; stalledCheckStopper?: unknown };
    const lockManager = fields.lockManager;
    if (typeof lockManager === "object" && lockManager !== null && "close" in lockManager) {
      const close = lockManager.close;
      if (typeof close === "function") {
        const closing: unknown = close.call(lockManager);
        // Its close is async: a rejection would be an unhandled one.
        if (closing instanceof Promise) closing.catch(() => undefined);
        stopped.lockRenewal = true;
      }
    }
    const stopper = fields.stalledCheckStopper;
    if (typeof stopper === "function") {
      stopper.call(worker);
      stopped.stalledCheck = true;
    }
  } catch {
    // Internals of another shape than expected: what was not stopped is said in the result.
  }
  return stopped;
}
