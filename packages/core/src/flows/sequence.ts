import { ChainDefinitionError } from "../errors/errors.ts";
import type { FlowNode, SequenceNode } from "../types.ts";
import type { FlowConstruct } from "./construct.ts";
import type { Flow } from "./flow-types.ts";
import type { Sequence } from "./sequence-overloads.ts";

/**
 * Runs nodes one after another; each node's output is the next one's input.
 *
 * @example
 * sequence(code("trim", (s: string) => s.trim()), code("words", (s) => s.split(" ")))
 */
export const sequence: Sequence = (...nodes: Flow<never, unknown, unknown>[]) =>
  // One implementation behind the typed signatures: at run time a sequence is its list of nodes.
  sequenceNode(nodes as readonly unknown[] as readonly FlowNode[]) as never;

/**
 * A sequence of a list of nodes built at run time, each taking and giving the same type (a list has
 * no positions for the compiler to check one against the next).
 *
 * @example
 * sequenceOf(Array.from({ length: 10 }, (_, i) => code(`step-${i}`, (x: number) => x + 1)))
 */
export function sequenceOf<T, D = never>(nodes: readonly Flow<T, T, D>[]): Flow<T, T, D> {
  return sequenceNode(nodes as readonly unknown[] as readonly FlowNode[]);
}

/** The node of a sequence of `nodes`, named after them (`flow().pipe` builds its sequences here too). */
export function sequenceNode(nodes: readonly FlowNode[]): SequenceNode {
  return { type: "sequence", name: nodes.map((n) => n.name).join("+"), nodes };
}

declare module "../types.ts" {
  /** A sequence node is a flow node (see {@link FlowNodeKinds}). */
  interface FlowNodeKinds {
    sequence: SequenceNode;
  }
}

/** How a sequence walks, fingerprints and compiles: a chain of states, each leading to the next. */
export const sequenceConstruct: FlowConstruct<SequenceNode> = {
  kind: "sequence",
  childInputs: "threaded",
  children: (node) => node.nodes,
  spec: (node, specOf) => ({ sequence: node.nodes.map(specOf) }),
  compile(node, into, next, onError) {
    if (node.nodes.length === 0)
      throw new ChainDefinitionError(`Chain "${into.id}": a sequence needs at least one node.`);
    // Compiled back to front so that each node knows the entry state of the one after it.
    let cont = next;
    let entry = next.target;
    for (let i = node.nodes.length - 1; i >= 0; i--) {
      entry = into.compile(node.nodes[i] as FlowNode, cont, onError);
      cont = { target: entry, actions: [] };
    }
    return entry;
  },
};
