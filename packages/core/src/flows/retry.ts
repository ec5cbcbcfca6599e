import type { SerializedError } from "../errors/catena-error.ts";
import type { Backoff, FlowNode, RetryNode } from "../types.ts";
import type { Flow } from "./flow-types.ts";
import { nodeName } from "./node-name.ts";

/** Options of {@link retry}. */
export interface RetryOptions {
  /** Attempts in all, including the first (default 3). */
  attempts?: number;
  backoff?: Partial<Backoff>;
  /** Retries only errors this returns true for (default: every error but aborts and timeouts of the run). */
  retryOn?: (error: SerializedError) => boolean;
  name?: string;
}

/**
 * Re-runs a node when it fails, up to `attempts` times, waiting with exponential backoff between
 * tries. It takes and gives what the node does.
 *
 * @example
 * retry(fetchStep, { attempts: 4, backoff: { initialMs: 200 } })
 */
export function retry<I, O, D = never>(node: Flow<I, O, D>, options: RetryOptions = {}): Flow<I, O, D> {
  const inner = node as FlowNode;
  const retried: RetryNode = {
    type: "retry",
    name: options.name ?? `${nodeName(inner)}-retry`,
    node: inner,
    attempts: options.attempts ?? 3,
    backoff: { initialMs: 100, factor: 2, maxMs: 10_000, jitter: true, ...options.backoff },
    ...(options.retryOn === undefined ? {} : { retryOn: options.retryOn }),
  };
  return retried;
}
