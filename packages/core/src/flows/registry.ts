/*
 * The flow constructs, one line each. Every tool that walks, fingerprints, compiles or runs a flow
 * looks a node's construct up here; the node union (`FlowNode`) is derived from this list, so a new
 * construct is its own module plus one line below.
 *
 * The list is built on first use rather than when this module loads: construct modules import
 * helpers (`nodeName`, `children`) that import this module, and a list read at load time would meet
 * a construct module still being evaluated.
 */
import { assignConstruct } from "./assign.ts";
import { branchConstruct } from "./branch.ts";
import { cascadeConstruct } from "./cascade.ts";
import type { FlowConstruct } from "./construct.ts";
import { mapConstruct } from "./map.ts";
import { parallelConstruct } from "./parallel.ts";
import { retryConstruct } from "./retry.ts";
import { reviewConstruct } from "./review.ts";
import { sequenceConstruct } from "./sequence.ts";
import { stepConstruct } from "./step.ts";
import { subchainConstruct } from "./subchain.ts";

const registered = () =>
  [
    stepConstruct,
    sequenceConstruct,
    branchConstruct,
    cascadeConstruct,
    retryConstruct,
    mapConstruct,
    reviewConstruct,
    assignConstruct,
    parallelConstruct,
    subchainConstruct,
  ] as const;

/** A registered construct. */
export type RegisteredConstruct = ReturnType<typeof registered>[number];
/** The node type of a construct. */
export type NodeOf<C> = C extends FlowConstruct<infer N> ? N : never;
/** Every node a flow is built from: the node types of the registered constructs. */
export type RegisteredNode = NodeOf<RegisteredConstruct>;

let byKind: Map<string, FlowConstruct<RegisteredNode>> | undefined;

/** Every registered construct, in registration order. */
export function flowConstructs(): readonly FlowConstruct<RegisteredNode>[] {
  return [...constructTable().values()];
}

/** The construct of a node; throws a `TypeError` naming the kind for a node no construct registered. */
export function constructOf<N extends RegisteredNode>(node: N): FlowConstruct<N> {
  const construct = constructTable().get((node as { type?: string } | null)?.type as string);
  if (construct === undefined) {
    throw new TypeError(
      `Unknown flow node: ${JSON.stringify((node as { type?: unknown } | null)?.type ?? node)}; build flows with the flow factories (sequence, branch, cascade, ...) and steps.`,
    );
  }
  return construct as unknown as FlowConstruct<N>;
}

function constructTable(): Map<string, FlowConstruct<RegisteredNode>> {
  if (byKind === undefined) {
    byKind = new Map();
    for (const c of registered()) byKind.set(c.kind, c as unknown as FlowConstruct<RegisteredNode>);
  }
  return byKind;
}
