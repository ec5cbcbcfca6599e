import type { AssignNode, FlowNode } from "../types.ts";
import type { Assigned, Flow } from "./flow-types.ts";

/**
 * Runs a node and keeps the current data, storing the node's output under `key`. The data's type
 * comes from the position the assign stands in (the previous node's output), not from the node.
 *
 * @example
 * sequence(normalize, assign("fields", extractIds), assign("route", triage)) // -> { text, fields, route }
 */
export function assign<const K extends string, V, D = never, I = unknown>(
  key: K,
  node: Flow<NoInfer<I>, V, D>,
): Flow<I, Assigned<I, K, V>, D> {
  const assigned: AssignNode = { type: "assign", key, node: node as FlowNode };
  return assigned as Flow<I, Assigned<I, K, V>, D>;
}
