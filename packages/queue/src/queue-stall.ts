/** How long a batch may go without any item finishing before its submitter says so (default). */
export const DEFAULT_STALL_AFTER_MS = 120_000;

/**
 * A batch whose submitter saw no item finish for a while, although it waits for some: told to
 * `onStall` of `redisQueue`, so that a batch that would wait forever (no worker, workers that take
 * no items, items stuck running) says so instead of hanging in silence.
 */
export interface QueueStall {
  batchId: string;
  queueName: string;
  /** How long no item of the batch finished, in ms. */
  sinceMs: number;
  /** Items the submitter waits for. */
  items: number;
  /**
   * Where those items were when last looked up: `waiting` (queued, no worker took them), `active`
   * (a worker runs them), `delayed` (waiting for a retry), `unchecked` (not on the queue yet: being added).
   */
  states: { waiting: number; active: number; delayed: number; unchecked: number };
  /** Workers listening on the queue (BullMQ's registered worker connections). */
  workers: number;
  /** Says all of the above and what to do, for a person. */
  message: string;
}

/** The message of a {@link QueueStall}: the batch, what it waits for, and the likely fix. */
export function stallMessage(stall: Omit<QueueStall, "message">): string {
  const { batchId, queueName, items, states, workers } = stall;
  const seconds = Math.round(stall.sinceMs / 1000);
  const where = [
    `${states.waiting} queued`,
    `${states.active} running`,
    `${states.delayed} waiting for a retry`,
    ...(states.unchecked > 0 ? [`${states.unchecked} not on the queue yet`] : []),
  ].join(", ");
  const head = `batch ${batchId}: no item finished for ${seconds} s; waiting for ${items} item${items === 1 ? "" : "s"} (${where}) with ${workers} worker${workers === 1 ? "" : "s"} on queue ${queueName}`;
  if (workers === 0) return `${head}. Start one: catena worker --queue <url> --chains <module>.`;
  if (states.waiting > 0 && states.active === 0)
    return `${head}. The workers take no items: look at their output, and restart them (catena worker) if they stay idle; the batch goes on once they do.`;
  return `${head}. Still waiting: steps may be slow, or a worker that died still holds items until their locks expire.`;
}
