/*
 * `parallel`: different nodes on the same input, their outputs joined into one object by key. The
 * whole construct is this module plus its line in `registry.ts`.
 */
import type { CompiledFlow } from "../compile/compiled-flow.ts";
import { recordOutput } from "../compile/context-actions.ts";
import { type SerializedError, serializeError } from "../errors/catena-error.ts";
import { AbortedError, ChainDefinitionError } from "../errors/errors.ts";
import { NOOP_SPAN } from "../runtime/quiet-defaults.ts";
import type { FlowNode, TraceSpan } from "../types.ts";
import type { EffectRun, FlowConstruct, FlowEnd } from "./construct.ts";
import type { Flow, FlowInput, FlowOutput } from "./flow-types.ts";

/**
 * What a parallel takes when nothing around it says: what every node takes. Where it stands in a
 * flow, the position's data type wins (and types the nodes' inline callbacks).
 */
export type ParallelInput<T> = {
  [K in keyof T]: (input: FlowInput<T[K]>) => void;
}[keyof T] extends (input: infer A) => void
  ? A
  : never;

/** What happens when a branch fails. */
export type ParallelOnError = "fail" | "collect";

/** Options of {@link parallel}. */
export interface ParallelOptions<E extends ParallelOnError = "fail"> {
  /** The state's name in the machine, traces and step records (default `parallel-<keys>`). */
  name?: string;
  /** Branches in flight at once (default: all of them). */
  concurrency?: number;
  /**
   * `"fail"` (default): the first failing branch fails the parallel (branches not yet started do
   * not start) and its error goes to the enclosing `retry` or the run. `"collect"`: every branch
   * runs, and each key holds `{ ok: true, value }` or `{ ok: false, error }`.
   */
  onError?: E;
}

/** One branch's outcome under `onError: "collect"`. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: SerializedError };

/** What a parallel gives: each key's output, or with `onError: "collect"` each key's {@link Settled}. */
export type ParallelOutput<O, E extends ParallelOnError> = E extends "collect"
  ? { [K in keyof O]: Settled<O[K]> }
  : { [K in keyof O]: O[K] };

/** Runs different nodes on one input and joins their outputs by key. */
export interface ParallelNode {
  readonly type: "parallel";
  readonly name: string;
  readonly nodes: Readonly<Record<string, FlowNode>>;
  readonly concurrency: number;
  readonly onError: ParallelOnError;
}

/**
 * Runs different nodes on the same input, at most `concurrency` at once, and joins their outputs
 * into one object: `{ a: nodeA, b: nodeB }` gives `{ a: A; b: B }`. Each node is typed by the
 * position the parallel stands in, like a step there; the branches' spans are siblings under the
 * parallel's span. Reviews cannot sit inside (a pause would leave sibling branches half done).
 *
 * @example
 * flow(input).pipe(parallel({ lang: detectLanguage, intent: intentCascade }, { concurrency: 2 }))
 */
export function parallel<O extends Record<string, unknown>, I = unknown, E extends ParallelOnError = "fail">(
  nodes: { [K in keyof O]: Flow<NoInfer<I>, O[K]> },
  options?: ParallelOptions<E>,
): Flow<I, ParallelOutput<O, E>>;
/** A parallel on its own (not in a `pipe`): it takes what all of its nodes take. */
export function parallel<T extends Record<string, Flow<never, unknown>>, E extends ParallelOnError = "fail">(
  nodes: T,
  options?: ParallelOptions<E>,
): Flow<ParallelInput<T>, ParallelOutput<{ [K in keyof T]: FlowOutput<T[K]> }, E>>;
export function parallel(
  nodes: Record<string, Flow<never, unknown>>,
  options: ParallelOptions<ParallelOnError> = {},
): Flow<unknown, unknown> {
  const keys = Object.keys(nodes);
  const name = options.name ?? `parallel-${keys.join("-")}`;
  if (keys.length === 0) {
    throw new ChainDefinitionError(`parallel "${name}" has no nodes; give it an object of nodes by key.`, {
      details: { parallel: name },
    });
  }
  const concurrency = options.concurrency ?? keys.length;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new ChainDefinitionError(
      `parallel "${name}": concurrency must be a whole number >= 1, got ${String(concurrency)}.`,
      { details: { parallel: name, concurrency } },
    );
  }
  const node: ParallelNode = {
    type: "parallel",
    name,
    nodes: nodes as unknown as Record<string, FlowNode>,
    concurrency,
    onError: options.onError ?? "fail",
  };
  return node;
}

declare module "../types.ts" {
  /** A parallel node is a flow node (see {@link FlowNodeKinds}). */
  interface FlowNodeKinds {
    parallel: ParallelNode;
  }
}

/** How a parallel walks, fingerprints, compiles and runs: one effect state over a machine per key. */
export const parallelConstruct: FlowConstruct<ParallelNode> = {
  kind: "parallel",
  childInputs: "shared",
  children: (node) => Object.values(node.nodes),
  spec: (node, specOf) => ({
    parallel: node.name,
    onError: node.onError,
    nodes: Object.fromEntries(Object.entries(node.nodes).map(([key, n]) => [key, specOf(n)])),
  }),
  describe: (node) => `parallel ${Object.keys(node.nodes).join(", ")}`,
  compile(node, into, next, onError) {
    for (const n of Object.values(node.nodes).flatMap((child) => [...into.nodesOf(child)])) {
      if (n.type === "review") {
        throw new ChainDefinitionError(
          `Chain "${into.id}": parallel "${node.name}" contains review "${n.name}"; a review pauses the whole run, so put it before or after the parallel.`,
          { details: { chain: into.id, parallel: node.name, review: n.name } },
        );
      }
    }
    const flows = Object.entries(node.nodes).map(([key, n]) =>
      into.compileSeparate(`${into.id}/${node.name}.${key}`, n),
    );
    into.add(node.name, {
      meta: { catena: { kind: "effect", node, flows } },
      on: {
        "step.done": [{ target: next.target, actions: [recordOutput(node.name), ...next.actions] }],
        "step.error": onError,
      },
    });
    return node.name;
  },
  effect: runParallel,
};

async function runParallel(node: ParallelNode, run: EffectRun) {
  const startedAt = Date.now();
  const t0 = performance.now();
  const keys = Object.keys(node.nodes);
  const span = run.span.active
    ? run.span.child({
        name: node.name,
        runType: "chain",
        inputs: run.data,
        metadata: { kind: "parallel", keys, concurrency: node.concurrency, onError: node.onError },
      })
    : NOOP_SPAN;
  const output: Record<string, unknown> = {};
  let failure: unknown;
  let next = 0;
  // Under "fail", the first failure cancels the branches still running: their steps' signals abort.
  const cancel = node.onError === "fail" ? new AbortController() : undefined;
  const branchSignal =
    cancel === undefined
      ? undefined
      : run.signal === undefined
        ? cancel.signal
        : AbortSignal.any([run.signal, cancel.signal]);
  const worker = async (): Promise<void> => {
    while ((failure === undefined || node.onError === "collect") && next < keys.length) {
      const i = next++;
      const key = keys[i] as string;
      const flow = run.flows[i] as CompiledFlow;
      const end = await runBranch(run, flow, node.nodes[key] as FlowNode, key, span, branchSignal);
      if (node.onError === "collect") {
        output[key] =
          end.status === "failed"
            ? { ok: false, error: serializeError(end.error) }
            : { ok: true, value: branchValue(end) };
      } else if (end.status === "failed") {
        if (failure === undefined) {
          failure = end.error;
          cancel?.abort(
            new AbortedError(`Branch of parallel "${node.name}" (branch "${key}" failed)`, {
              details: { parallel: node.name, failedBranch: key },
            }),
          );
        }
      } else {
        output[key] = branchValue(end);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(node.concurrency, keys.length) }, worker));
  run.throwIfAborted(span);
  if (failure !== undefined) {
    return run.fail(node.name, "parallel", failure, startedAt, t0, span);
  }
  // Keys in definition order, whichever branch finished first.
  const joined = Object.fromEntries(keys.map((k) => [k, output[k]]));
  span.end({ outputs: joined, metadata: { status: "done" } });
  run.record({ name: node.name, kind: "parallel", startedAt, ms: performance.now() - t0, status: "done" });
  return { type: "step.done" as const, output: joined };
}

/** Runs one branch; a branch longer than one step gets a span of its own, so its steps stay together. */
async function runBranch(
  run: EffectRun,
  flow: CompiledFlow,
  node: FlowNode,
  key: string,
  parent: TraceSpan,
  signal: AbortSignal | undefined,
): Promise<FlowEnd> {
  const own = node.type !== "step" && parent.active;
  const span = own
    ? parent.child({ name: key, runType: "chain", inputs: run.data, metadata: { kind: "parallel-branch" } })
    : parent;
  try {
    const end = await run.runFlow(flow, run.data, span, signal === undefined ? {} : { signal });
    if (own) {
      if (end.status === "failed") span.end({ error: end.error, metadata: { status: "error" } });
      else span.end({ outputs: branchValue(end), metadata: { status: end.status } });
    }
    return end;
  } catch (error) {
    if (own) span.end({ error, metadata: { status: "error" } });
    if (error instanceof Error) return { status: "failed", error };
    return { status: "failed", error: new Error(String(error)) };
  }
}

/** A branch's value; a deferred cascade inside gives `{ status: "deferred", ... }`, as in a map. */
function branchValue(end: FlowEnd): unknown {
  if (end.status === "done") return end.data;
  if (end.status === "deferred") return { status: "deferred", ...end.deferred };
  return undefined;
}
