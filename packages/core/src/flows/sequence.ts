import { ChainDefinitionError } from "../errors/errors.ts";
import type { FlowNode, SequenceNode } from "../types.ts";
import type { FlowConstruct } from "./construct.ts";
import type { Flow } from "./flow-types.ts";
import { nodeName } from "./node-name.ts";
import type { Sequence } from "./sequence-overloads.ts";

/**
 * Runs nodes one after another; each node's output is the next one's input.
 *
 * @example
 * sequence(code("trim", (s: string) => s.trim()), code("words", (s) => s.split(" ")))
 */
export const sequence: Sequence = (...nodes: Flow<never, unknown, unknown>[]) => {
  const node: SequenceNode = { type: "sequence", nodes: nodes as readonly unknown[] as readonly FlowNode[] };
  // One implementation behind the typed signatures: at run time a sequence is its list of nodes.
  return node as never;
};

/**
 * A sequence of a list of nodes built at run time, each taking and giving the same type (a list has
 * no positions for the compiler to check one against the next).
 *
 * @example
 * sequenceOf(Array.from({ length: 10 }, (_, i) => code(`step-${i}`, (x: number) => x + 1)))
 */
export function sequenceOf<T, D = never>(nodes: readonly Flow<T, T, D>[]): Flow<T, T, D> {
  const node: SequenceNode = { type: "sequence", nodes: nodes as readonly unknown[] as readonly FlowNode[] };
  return node;
}

/** How a sequence walks, fingerprints and compiles: a chain of states, each leading to the next. */
export const sequenceConstruct: FlowConstruct<SequenceNode> = {
  kind: "sequence",
  childInputs: "threaded",
  children: (node) => node.nodes,
  spec: (node, specOf) => ({ sequence: node.nodes.map(specOf) }),
  name: (node) => node.nodes.map((n) => nodeName(n)).join("+"),
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
