/** Runs started beside a run's own (shadow runs, audits) that nothing awaits, until they end. */
const pending = new Set<Promise<void>>();

/**
 * Keeps `work` (which never rejects) until it ends, so that {@link settleBackgroundRuns} can wait
 * for it before the process flushes its traces and exits.
 */
export function trackBackgroundRun(work: Promise<void>): void {
  pending.add(work);
  void work.finally(() => pending.delete(work));
}

/** Waits for every background run still in flight, those started while waiting included. */
export async function settleBackgroundRuns(): Promise<void> {
  while (pending.size > 0) await Promise.all([...pending]);
}
