import { recordOutput } from "../compile/context-actions.ts";
import { ChainDefinitionError } from "../errors/errors.ts";
import { NOOP_SPAN } from "../runtime/quiet-defaults.ts";
import type { FlowNode, FlowScope, MapNode, TraceSpan } from "../types.ts";
import { functionSource } from "../versioning/function-source.ts";
import type { FlowConstruct } from "./construct.ts";
import type { Flow } from "./flow-types.ts";

/** Options of {@link map}. */
export interface MapOptions<I, X, Y, D = never> {
  /** The list to run over, read from the data so far. */
  over: (data: I, scope: FlowScope) => readonly X[];
  /** What runs on each element. */
  node: Flow<X, Y, D>;
  /** Items in flight at once (default 4). */
  concurrency?: number;
}

/**
 * Runs a node over each element of a list with bounded concurrency; the output is the list of
 * results, in input order. `over` takes the data of the position the map stands in.
 *
 * @example
 * map("per-line", { over: (d) => d.lines, node: classifyLine, concurrency: 8 })
 */
export function map<X, Y, D = never, I = unknown>(
  name: string,
  options: MapOptions<I, X, Y, D>,
): Flow<I, Y[], D> {
  // From untyped JavaScript a missing option would otherwise surface as a bare TypeError at compile.
  const given = options as Partial<MapOptions<I, X, Y, D>> | null | undefined;
  if (typeof given?.over !== "function") {
    throw new ChainDefinitionError(
      `map "${name}": "over" must be a function returning the list to run over, got ${typeName(given?.over)}; e.g. map("${name}", { over: (d) => d.lines, node: step }).`,
      { details: { map: name, option: "over" } },
    );
  }
  if (typeof given.node !== "object" || given.node === null || typeof given.node.type !== "string") {
    throw new ChainDefinitionError(
      `map "${name}": "node" must be the step or flow run on each element, got ${typeName(given.node)}; e.g. map("${name}", { over: (d) => d.lines, node: step }).`,
      { details: { map: name, option: "node" } },
    );
  }
  const concurrency = options.concurrency ?? 4;
  // Below 1 no worker would start and every item would come back undefined, silently.
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new ChainDefinitionError(
      `map "${name}": concurrency must be a whole number >= 1, got ${String(concurrency)}.`,
      { details: { map: name, concurrency } },
    );
  }
  const node: MapNode = {
    type: "map",
    name,
    over: options.over as (data: never, scope: FlowScope) => readonly unknown[],
    node: options.node as FlowNode,
    concurrency,
  };
  return node;
}

/** How a wrong option is named in a message: its type, not its (possibly long) value. */
function typeName(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
}

declare module "../types.ts" {
  /** A map node is a flow node (see {@link FlowNodeKinds}). */
  interface FlowNodeKinds {
    map: MapNode;
  }
}

/**
 * How a map compiles and runs: one state whose effect runs the item flow (a machine of its own)
 * over the list with bounded concurrency, the map a span of its own and each item a span under it.
 */
export const mapConstruct: FlowConstruct<MapNode> = {
  kind: "map",
  children: (node) => [node.node],
  spec: (node, specOf) => ({
    map: node.name,
    over: functionSource(node.over),
    concurrency: node.concurrency,
    node: specOf(node.node),
  }),
  describe: (node) => `map x${node.concurrency}`,
  compile(node, into, next, onError) {
    for (const n of into.nodesOf(node.node)) {
      if (n.type === "review") {
        throw new ChainDefinitionError(
          `Chain "${into.id}": map "${node.name}" contains a review; reviews pause the whole run, so put them outside the map.`,
        );
      }
    }
    const inner = into.compileSeparate(`${into.id}/${node.name}`, node.node);
    into.add(node.name, {
      meta: { catena: { kind: "effect", node, flows: [inner] } },
      on: {
        "step.done": [{ target: next.target, actions: [recordOutput(node.name), ...next.actions] }],
        "step.error": onError,
      },
    });
    return node.name;
  },
  async effect(node, run) {
    const startedAt = Date.now();
    const t0 = performance.now();
    const flow = run.flows[0];
    const span = run.span.active
      ? run.span.child({
          name: node.name,
          runType: "chain",
          inputs: run.data,
          metadata: { kind: "map", concurrency: node.concurrency },
        })
      : NOOP_SPAN;
    let items: readonly unknown[];
    try {
      items = node.over(run.data as never, { input: run.input, outputs: run.outputs });
      if (!Array.isArray(items)) throw new TypeError(`map "${node.name}": \`over\` must return an array`);
    } catch (error) {
      return run.fail(node.name, "map", error, startedAt, t0, span);
    }
    if (flow === undefined) throw new Error(`map "${node.name}" was not compiled`);
    const results = new Array<unknown>(items.length);
    let next = 0;
    let failure: unknown;
    const worker = async (): Promise<void> => {
      while (failure === undefined && next < items.length) {
        const i = next++;
        const itemSpan: TraceSpan = span.active
          ? span.child({
              name: `${node.name}[${i}]`,
              runType: "chain",
              inputs: items[i],
              metadata: { kind: "map-item", map: node.name, item: i },
            })
          : NOOP_SPAN;
        try {
          const end = await run.runFlow(flow, items[i], itemSpan, { item: i });
          if (end.status === "failed") {
            failure ??= end.error;
            itemSpan.end({ error: end.error, metadata: { status: "error" } });
          } else {
            results[i] =
              end.status === "deferred"
                ? { status: "deferred", ...end.deferred }
                : (end as { data: unknown }).data;
            itemSpan.end({ outputs: results[i], metadata: { status: end.status } });
          }
        } catch (error) {
          failure ??= error;
          itemSpan.end({ error, metadata: { status: "error" } });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(node.concurrency, items.length) }, worker));
    if (failure !== undefined) {
      run.throwIfAborted(span);
      return run.fail(node.name, "map", failure, startedAt, t0, span);
    }
    span.end({ outputs: results, metadata: { items: items.length, status: "done" } });
    run.record({ name: node.name, kind: "map", startedAt, ms: performance.now() - t0, status: "done" });
    return { type: "step.done", output: results };
  },
};
