import { type Args, countAttempt, restoreData, saveData } from "../compile/context-actions.ts";
import type { TransitionConfig } from "../compile/machine-builder.ts";
import type { SerializedError } from "../errors/catena-error.ts";
import { ChainDefinitionError } from "../errors/errors.ts";
import type { Backoff, FlowNode, RetryNode } from "../types.ts";
import { functionSource } from "../versioning/function-source.ts";
import type { FlowConstruct } from "./construct.ts";
import type { Flow } from "./flow-types.ts";

/** Options of {@link retry}. */
export interface RetryOptions {
  /** Attempts in all, including the first (default 3). */
  attempts?: number;
  backoff?: Partial<Backoff>;
  /**
   * Retries only errors this returns true for. Default: {@link retryableByDefault}, every error but
   * those retrying cannot fix (a refusal, invalid input, a missing provider, a provider's 4xx
   * client error, an abort). Yours wins:
   * `retryOn: () => true` retries those too.
   */
  retryOn?: (error: SerializedError) => boolean;
  name?: string;
}

/**
 * Errors that the same request meets again however often it is sent: the model refused it
 * (`MODEL_REFUSED`, each try is paid for), an input or a chain that does not validate, a model
 * provider with no key, an abort. A cause counts too: a step's error wraps what it threw.
 */
const NOT_RETRYABLE: ReadonlySet<string> = new Set([
  "ABORTED",
  "MODEL_REFUSED",
  "INPUT_VALIDATION",
  "PROVIDER_NOT_CONFIGURED",
  "CHAIN_DEFINITION",
  "CHAIN_NOT_FOUND",
]);

/**
 * A {@link retry}'s default `retryOn`: true unless the error, or an error it was caused by, is one
 * retrying cannot fix (`MODEL_REFUSED`, `INPUT_VALIDATION`, `PROVIDER_NOT_CONFIGURED`,
 * `CHAIN_DEFINITION`, `CHAIN_NOT_FOUND`, `ABORTED`), or a `PROVIDER_FAILED` whose calls all met a
 * client error (400, 401, 403, 404, 422) or said retrying cannot help (vectors of the wrong length):
 * `details.retryable` false. A provider's transient failure (408, 409, 425, 429, 5xx, a cut
 * connection, a timeout, a malformed body), a provider error Catena cannot classify (no status it
 * can read), an answer that does not match the schema or a step's timeout are retried.
 *
 * @example
 * retry(step, { retryOn: (e) => retryableByDefault(e) && e.cause?.code !== "PROVIDER_FAILED" })
 */
export function retryableByDefault(error: SerializedError): boolean {
  for (let e: SerializedError | undefined = error; e !== undefined; e = e.cause) {
    if (NOT_RETRYABLE.has(e.code)) return false;
    if (e.code === "PROVIDER_FAILED" && e.details?.retryable === false) return false;
  }
  return true;
}

/**
 * Re-runs a node when it fails, up to `attempts` times, waiting with exponential backoff between
 * tries. It takes and gives what the node does. By default it does not retry errors that retrying
 * cannot fix, a model's refusal first (see {@link retryableByDefault}); pass `retryOn` to choose.
 *
 * @example
 * retry(fetchStep, { attempts: 4, backoff: { initialMs: 200 } })
 */
export function retry<I, O, D = never>(node: Flow<I, O, D>, options: RetryOptions = {}): Flow<I, O, D> {
  const inner = node as FlowNode;
  const retried: RetryNode = {
    type: "retry",
    name: options.name ?? `${inner.name}-retry`,
    node: inner,
    attempts: options.attempts ?? 3,
    backoff: { initialMs: 100, factor: 2, maxMs: 10_000, jitter: true, ...options.backoff },
    ...(options.retryOn === undefined ? {} : { retryOn: options.retryOn }),
  };
  return retried;
}

declare module "../types.ts" {
  /** A retry node is a flow node (see {@link FlowNodeKinds}). */
  interface FlowNodeKinds {
    retry: RetryNode;
  }
}

/** How a retry compiles: its node's states, plus a backoff state its errors lead to while attempts remain. */
export const retryConstruct: FlowConstruct<RetryNode> = {
  kind: "retry",
  childInputs: "shared",
  children: (node) => [node.node],
  spec: (node, specOf) => ({
    retry: node.name,
    attempts: node.attempts,
    backoff: { ...node.backoff },
    retryOn: node.retryOn ? functionSource(node.retryOn) : null,
    node: specOf(node.node),
  }),
  compile(node, into, next, onError) {
    if (!Number.isInteger(node.attempts) || node.attempts < 1) {
      throw new ChainDefinitionError(
        `Chain "${into.id}": retry "${node.name}" needs attempts >= 1, got ${node.attempts}.`,
      );
    }
    const r = node.name;
    const backoff = `${r}-backoff`;
    into.add(backoff, { meta: { catena: { kind: "delay", retry: node } }, on: {} });
    const retryOn = node.retryOn;
    const again: TransitionConfig = {
      target: backoff,
      guard: ({ context, event }: Args) =>
        (context.attempts[r] ?? 0) + 1 < node.attempts &&
        event.type === "step.error" &&
        (retryOn ? retryOn(event.error) : retryableByDefault(event.error)),
      actions: [countAttempt(r)],
      description: `error (attempts < ${node.attempts})`,
    };
    const outer = into.retryRegion;
    into.retryRegion = r;
    const entry = into.compile(node.node, next, [again, ...onError]);
    into.retryRegion = outer;
    const leadsToBackoff = Object.values(into.states).some((state) =>
      Object.values(state.on ?? {}).some((list) => list.some((t) => t.target === backoff)),
    );
    if (!leadsToBackoff) {
      throw new ChainDefinitionError(
        `Chain "${into.id}": retry "${r}" wraps a node that never fails (a cascade turns tier errors into escalations), so it would never retry; remove the retry or put it around a step.`,
        { details: { chain: into.id, retry: r } },
      );
    }
    into.prependEntry(entry, saveData(r));
    (into.states[backoff] as { on?: Record<string, TransitionConfig[]> }).on = {
      "delay.done": [{ target: entry, actions: [restoreData(r)], description: "retry" }],
    };
    return entry;
  },
};

/** The delay before retry number `retries` (1 for the first retry). */
export function backoffDelay(node: RetryNode, retries: number): number {
  const { initialMs, factor, maxMs, jitter } = node.backoff;
  const delay = Math.min(maxMs, initialMs * factor ** Math.max(0, retries - 1));
  return jitter ? Math.random() * delay : delay;
}
