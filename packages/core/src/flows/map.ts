import type { FlowNode, FlowScope, MapNode } from "../types.ts";
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
  const node: MapNode = {
    type: "map",
    name,
    over: options.over as (data: never, scope: FlowScope) => readonly unknown[],
    node: options.node as FlowNode,
    concurrency: options.concurrency ?? 4,
  };
  return node;
}
