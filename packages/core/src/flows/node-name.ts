import type { FlowNode } from "../types.ts";

/**
 * The name a node is known by in graphs and errors: every node carries one (a sequence's is its
 * nodes' names joined with `+`, an assign's its node's).
 */
export function nodeName(node: FlowNode): string {
  return node.name;
}
