import type { FlowNode } from "../types.ts";
import { constructOf } from "./registry.ts";

/** The name a node is known by in graphs and errors. */
export function nodeName(node: FlowNode): string {
  const construct = constructOf(node);
  return construct.name ? construct.name(node) : (node as { name: string }).name;
}
