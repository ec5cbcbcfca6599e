import type { DeferredInfo } from "../compile/machine-context.ts";
import type { SerializedError } from "../errors/catena-error.ts";
import type { RunSnapshot } from "../runtime/run-types.ts";
import type { Usage } from "../types.ts";

/**
 * What a queue is told about a batch when `runBatch` opens it: enough for a worker elsewhere to find
 * the chain and to refuse items when its own chain differs.
 */
export interface QueueBatchSpec {
  /** Stable across submitter restarts: item `i` of this batch is job `<batchId>-<i>` on the queue. */
  batchId: string;
  chain: { name: string; version: string; fingerprint: string };
  /** The submitter resumes an earlier run: items may already sit on the queue, finished or not. */
  resume: boolean;
  /** Items the queue recorded as failed run again instead of being collected as failed. */
  retryFailed: boolean;
  /** Options applied to every item's run on the worker (plain JSON). */
  run: { timeoutMs?: number; stepTimeoutMs?: number; metadata?: Record<string, unknown> };
}

/** One item's result as a worker ran it: a `RunResult` with its error already serialized. */
export interface QueuedRunResult {
  status: "done" | "deferred" | "waiting" | "error";
  runId?: string;
  output?: unknown;
  error?: SerializedError;
  deferred?: DeferredInfo;
  snapshot?: RunSnapshot;
  usage: Usage;
  /** How long the run took on the worker (the time waiting on the queue not included). */
  ms?: number;
}

/** A batch open on a queue: hands items to the queue's workers and returns their results. */
export interface QueuedBatch {
  /**
   * Enqueues item `index` (idempotently: an item already on the queue is not added twice) and
   * resolves with its result once a worker has finished it. Rejects when `signal` aborts first;
   * the item stays on the queue and a resumed batch collects it.
   */
  run(index: number, input: unknown, signal?: AbortSignal): Promise<QueuedRunResult>;
  /**
   * Stops collecting; items still on the queue stay there for a resumed batch. `complete` says
   * whether the batch ran to the end of its inputs: one that did not (stopped at its budget,
   * aborted, failed) may be resumed, so the queue keeps its record for that instead of letting it
   * go as a finished batch's. Left out, the queue judges by the items it still waits for.
   */
  close(outcome?: { complete: boolean }): Promise<void>;
}

/**
 * Where `runBatch` sends items instead of running them in this process, e.g. `redisQueue(url)`
 * from `@catena/queue`. The core knows only this interface, so it depends on no queue library.
 */
export interface BatchQueue {
  open(spec: QueueBatchSpec): Promise<QueuedBatch>;
}
