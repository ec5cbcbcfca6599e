import { type QueueStall, stallMessage } from "./queue-stall.ts";

/** What the stall check reads of an item the batch waits for. */
export interface AwaitedItem {
  /** On the queue (its job was added). */
  added: boolean;
  /** Its state on the queue when last looked up (by the sweep). */
  state?: string;
}

/** What {@link BatchStallCheck} reads of its batch. */
export interface StallCheckOptions {
  batchId: string;
  queueName: string;
  stallAfterMs: number;
  onStall: (stall: QueueStall) => void;
  /** The items the batch waits for, by job id. */
  waiters: ReadonlyMap<string, AwaitedItem>;
  /** True while Redis is away (the watchdog speaks for that, not the stall check). */
  redisDown: () => boolean;
  /** Looks an item up on the queue, settling it when it has finished. */
  check: (id: string) => Promise<void>;
  /** Workers listening on the queue. */
  workers: () => Promise<number>;
}

/**
 * Tells `onStall` when no item of a batch finished for `stallAfterMs` while the batch waits for
 * some: where its items were when last looked up, and how many workers listen. Told again after
 * each further such period without progress. {@link BatchStallCheck.progress} marks an item
 * finished; {@link BatchStallCheck.tick} runs the check (its owner calls it on a timer).
 */
export class BatchStallCheck {
  /** When an item last finished, or the batch last had nothing to wait for. */
  private progressAt = Date.now();
  /** When the last stall was told (a stall is told once per `stallAfterMs`). */
  private toldAt = 0;
  private readonly options: StallCheckOptions;

  constructor(options: StallCheckOptions) {
    this.options = options;
  }

  /** How often {@link tick} should run: a quarter of the allowance, within 50 ms to 1 s. */
  get everyMs(): number {
    return Math.max(50, Math.min(1000, this.options.stallAfterMs / 4));
  }

  /** An item finished. */
  progress(): void {
    this.progressAt = Date.now();
  }

  async tick(): Promise<void> {
    const { waiters, stallAfterMs, queueName, batchId } = this.options;
    const now = Date.now();
    if (waiters.size === 0 || this.options.redisDown()) {
      if (waiters.size === 0) this.progressAt = now;
      return;
    }
    const since = Math.max(this.progressAt, this.toldAt);
    if (now - since < stallAfterMs) return;
    this.toldAt = now;
    // Items the sweep has not looked up yet (a `stallAfterMs` shorter than two sweeps): looked up
    // now, which also collects any whose finish event was missed.
    const progressAt = this.progressAt;
    const unchecked = [...waiters].filter(([, w]) => w.added && w.state === undefined).map(([id]) => id);
    for (let i = 0; i < unchecked.length; i += 100) {
      await Promise.all(unchecked.slice(i, i + 100).map((id) => this.options.check(id)));
    }
    if (waiters.size === 0 || this.progressAt !== progressAt) return;
    const stall = {
      batchId,
      queueName,
      sinceMs: now - this.progressAt,
      items: waiters.size,
      states: stallStates(waiters.values()),
      workers: await this.options.workers(),
    };
    this.options.onStall({ ...stall, message: stallMessage(stall) });
  }
}

/** How many of `items` were waiting, running, delayed, or not looked up yet. */
function stallStates(items: Iterable<AwaitedItem>): QueueStall["states"] {
  const states = { waiting: 0, active: 0, delayed: 0, unchecked: 0 };
  for (const item of items) {
    if (item.state === "active") states.active++;
    else if (item.state === "delayed") states.delayed++;
    else if (item.state === "waiting" || item.state === "prioritized" || item.state === "waiting-children")
      states.waiting++;
    else states.unchecked++;
  }
  return states;
}
