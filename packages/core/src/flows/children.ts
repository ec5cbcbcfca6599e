/*
 * The one walk of a flow tree: every tool that visits a flow's nodes (step lists, fingerprints,
 * calibration, the CLI's eval report) goes through `children`, which asks the node's construct.
 */
import type { CascadeNode, FlowNode } from "../types.ts";
import { constructOf } from "./registry.ts";

/** Fails to compile when a `switch` over a union misses a case; throws if reached anyway. */
export function assertNever(value: never, what = "flow node"): never {
  throw new TypeError(
    `Unknown ${what}: ${JSON.stringify((value as { type?: unknown } | null)?.type ?? value)}`,
  );
}

/** The nodes a node contains, in the order they run (a cascade's tiers are its children). */
export function children(node: FlowNode): readonly FlowNode[] {
  return constructOf(node).children(node);
}

/** Every node of a flow, depth first, parents before their children. */
export function* flowNodes(node: FlowNode): Generator<FlowNode> {
  yield node;
  for (const child of children(node)) yield* flowNodes(child);
}

/** The tier names of a flow's first cascade in definition order (empty when it has none). */
export function cascadeTierNames(flow: FlowNode): string[] {
  for (const node of flowNodes(flow)) {
    if (node.type === "cascade") return (node as CascadeNode).tiers.map((t) => t.step.name);
  }
  return [];
}
