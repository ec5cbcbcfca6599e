import type { FlowNode } from "../types.ts";

/** The name a node is known by in graphs and errors. */
export function nodeName(node: FlowNode): string {
  switch (node.type) {
    case "sequence":
      return node.nodes.map(nodeName).join("+");
    case "assign":
      return nodeName(node.node);
    default:
      return node.name;
  }
}
