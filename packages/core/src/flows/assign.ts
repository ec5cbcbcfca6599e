import { mergeInto, saveData } from "../compile/context-actions.ts";
import type { AssignNode, FlowNode } from "../types.ts";
import type { FlowConstruct } from "./construct.ts";
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
  const inner = node as FlowNode;
  const assigned: AssignNode = { type: "assign", name: inner.name, key, node: inner };
  return assigned as Flow<I, Assigned<I, K, V>, D>;
}

declare module "../types.ts" {
  /** An assign node is a flow node (see {@link FlowNodeKinds}). */
  interface FlowNodeKinds {
    assign: AssignNode;
  }
}

/** How an assign compiles: its node's states, with the data saved on entry and merged on exit. */
export const assignConstruct: FlowConstruct<AssignNode> = {
  kind: "assign",
  childInputs: "passed",
  addedKey: (node) => node.key,
  children: (node) => [node.node],
  spec: (node, specOf) => ({ assign: node.key, node: specOf(node.node) }),
  compile(node, into, next, onError) {
    const region = `assign:${node.key}:${Object.keys(into.states).length}`;
    const entry = into.compile(
      node.node,
      { target: next.target, actions: [mergeInto(node.key, region), ...next.actions] },
      onError,
    );
    into.prependEntry(entry, saveData(region));
    return entry;
  },
};
