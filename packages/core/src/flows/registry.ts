/*
 * The flow constructs, one line each. Every tool that walks, fingerprints, compiles or runs a flow
 * looks a node's construct up here. A construct is its own module, which adds its node type to
 * `FlowNodeKinds` (types.ts) by declaration merging, plus one line below; the table's type makes
 * the two agree: a kind in `FlowNodeKinds` missing here, a construct here whose kind is not there,
 * or a line whose key is not its construct's kind, fails to compile.
 */
import type { FlowNode, FlowNodeKinds } from "../types.ts";
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

/**
 * One construct for every kind of node, under its kind: what the registry must list, exactly.
 * `Kinds` is the kind-to-node map (`FlowNodeKinds`; another one in type tests).
 */
export type ConstructTable<
  Kinds extends Record<keyof Kinds, { readonly type: string; readonly name: string }> = FlowNodeKinds,
> = {
  readonly [K in keyof Kinds]: FlowConstruct<Kinds[K]> & { readonly kind: K };
};

/** The registry itself, one line a construct (read through {@link constructOf} and {@link flowConstructs}). */
export const registered: ConstructTable = {
  step: stepConstruct,
  sequence: sequenceConstruct,
  branch: branchConstruct,
  cascade: cascadeConstruct,
  retry: retryConstruct,
  map: mapConstruct,
  review: reviewConstruct,
  assign: assignConstruct,
  parallel: parallelConstruct,
  subchain: subchainConstruct,
};

const byKind = new Map<string, FlowConstruct<FlowNode>>(
  Object.values(registered).map((c) => [c.kind, c as FlowConstruct<FlowNode>]),
);

/** Every registered construct, in registration order. */
export function flowConstructs(): readonly FlowConstruct<FlowNode>[] {
  return [...byKind.values()];
}

/** The construct of a node; throws a `TypeError` naming the kind for a node no construct registered. */
export function constructOf<N extends FlowNode>(node: N): FlowConstruct<N> {
  const construct = byKind.get((node as { type?: string } | null)?.type as string);
  if (construct === undefined) {
    throw new TypeError(
      `Unknown flow node: ${JSON.stringify((node as { type?: unknown } | null)?.type ?? node)}; build flows with the flow factories (sequence, branch, cascade, ...) and steps.`,
    );
  }
  return construct as unknown as FlowConstruct<N>;
}
