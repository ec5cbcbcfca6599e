import { ChainDefinitionError } from "../errors/errors.ts";
import type { FlowNode, SequenceNode } from "../types.ts";
import type { FlowConstruct } from "./construct.ts";
import type { Flow } from "./flow-types.ts";
import { nodeName } from "./node-name.ts";

/*
 * One overload per length: each node is contextually typed by the output of the one before it, so
 * that an inline `code` step infers its parameter, and a node that does not take what the previous
 * one gives is an error at that argument. Generated for up to 16 nodes; nest sequences for more.
 */

/**
 * Runs nodes one after another; each node's output is the next one's input.
 *
 * @example
 * sequence(code("trim", (s: string) => s.trim()), code("words", (s) => s.split(" ")))
 */
export function sequence<T0, T1, D1>(n1: Flow<T0, T1, D1>): Flow<T0, T1, D1>;
export function sequence<T0, T1, T2, D1, D2>(
  n1: Flow<T0, T1, D1>,
  n2: Flow<T1, T2, D2>,
): Flow<T0, T2, D1 | D2>;
export function sequence<T0, T1, T2, T3, D1, D2, D3>(
  n1: Flow<T0, T1, D1>,
  n2: Flow<T1, T2, D2>,
  n3: Flow<T2, T3, D3>,
): Flow<T0, T3, D1 | D2 | D3>;
export function sequence<T0, T1, T2, T3, T4, D1, D2, D3, D4>(
  n1: Flow<T0, T1, D1>,
  n2: Flow<T1, T2, D2>,
  n3: Flow<T2, T3, D3>,
  n4: Flow<T3, T4, D4>,
): Flow<T0, T4, D1 | D2 | D3 | D4>;
export function sequence<T0, T1, T2, T3, T4, T5, D1, D2, D3, D4, D5>(
  n1: Flow<T0, T1, D1>,
  n2: Flow<T1, T2, D2>,
  n3: Flow<T2, T3, D3>,
  n4: Flow<T3, T4, D4>,
  n5: Flow<T4, T5, D5>,
): Flow<T0, T5, D1 | D2 | D3 | D4 | D5>;
export function sequence<T0, T1, T2, T3, T4, T5, T6, D1, D2, D3, D4, D5, D6>(
  n1: Flow<T0, T1, D1>,
  n2: Flow<T1, T2, D2>,
  n3: Flow<T2, T3, D3>,
  n4: Flow<T3, T4, D4>,
  n5: Flow<T4, T5, D5>,
  n6: Flow<T5, T6, D6>,
): Flow<T0, T6, D1 | D2 | D3 | D4 | D5 | D6>;
export function sequence<T0, T1, T2, T3, T4, T5, T6, T7, D1, D2, D3, D4, D5, D6, D7>(
  n1: Flow<T0, T1, D1>,
  n2: Flow<T1, T2, D2>,
  n3: Flow<T2, T3, D3>,
  n4: Flow<T3, T4, D4>,
  n5: Flow<T4, T5, D5>,
  n6: Flow<T5, T6, D6>,
  n7: Flow<T6, T7, D7>,
): Flow<T0, T7, D1 | D2 | D3 | D4 | D5 | D6 | D7>;
export function sequence<T0, T1, T2, T3, T4, T5, T6, T7, T8, D1, D2, D3, D4, D5, D6, D7, D8>(
  n1: Flow<T0, T1, D1>,
  n2: Flow<T1, T2, D2>,
  n3: Flow<T2, T3, D3>,
  n4: Flow<T3, T4, D4>,
  n5: Flow<T4, T5, D5>,
  n6: Flow<T5, T6, D6>,
  n7: Flow<T6, T7, D7>,
  n8: Flow<T7, T8, D8>,
): Flow<T0, T8, D1 | D2 | D3 | D4 | D5 | D6 | D7 | D8>;
export function sequence<T0, T1, T2, T3, T4, T5, T6, T7, T8, T9, D1, D2, D3, D4, D5, D6, D7, D8, D9>(
  n1: Flow<T0, T1, D1>,
  n2: Flow<T1, T2, D2>,
  n3: Flow<T2, T3, D3>,
  n4: Flow<T3, T4, D4>,
  n5: Flow<T4, T5, D5>,
  n6: Flow<T5, T6, D6>,
  n7: Flow<T6, T7, D7>,
  n8: Flow<T7, T8, D8>,
  n9: Flow<T8, T9, D9>,
): Flow<T0, T9, D1 | D2 | D3 | D4 | D5 | D6 | D7 | D8 | D9>;
export function sequence<
  T0,
  T1,
  T2,
  T3,
  T4,
  T5,
  T6,
  T7,
  T8,
  T9,
  T10,
  D1,
  D2,
  D3,
  D4,
  D5,
  D6,
  D7,
  D8,
  D9,
  D10,
>(
  n1: Flow<T0, T1, D1>,
  n2: Flow<T1, T2, D2>,
  n3: Flow<T2, T3, D3>,
  n4: Flow<T3, T4, D4>,
  n5: Flow<T4, T5, D5>,
  n6: Flow<T5, T6, D6>,
  n7: Flow<T6, T7, D7>,
  n8: Flow<T7, T8, D8>,
  n9: Flow<T8, T9, D9>,
  n10: Flow<T9, T10, D10>,
): Flow<T0, T10, D1 | D2 | D3 | D4 | D5 | D6 | D7 | D8 | D9 | D10>;
export function sequence<
  T0,
  T1,
  T2,
  T3,
  T4,
  T5,
  T6,
  T7,
  T8,
  T9,
  T10,
  T11,
  D1,
  D2,
  D3,
  D4,
  D5,
  D6,
  D7,
  D8,
  D9,
  D10,
  D11,
>(
  n1: Flow<T0, T1, D1>,
  n2: Flow<T1, T2, D2>,
  n3: Flow<T2, T3, D3>,
  n4: Flow<T3, T4, D4>,
  n5: Flow<T4, T5, D5>,
  n6: Flow<T5, T6, D6>,
  n7: Flow<T6, T7, D7>,
  n8: Flow<T7, T8, D8>,
  n9: Flow<T8, T9, D9>,
  n10: Flow<T9, T10, D10>,
  n11: Flow<T10, T11, D11>,
): Flow<T0, T11, D1 | D2 | D3 | D4 | D5 | D6 | D7 | D8 | D9 | D10 | D11>;
export function sequence<
  T0,
  T1,
  T2,
  T3,
  T4,
  T5,
  T6,
  T7,
  T8,
  T9,
  T10,
  T11,
  T12,
  D1,
  D2,
  D3,
  D4,
  D5,
  D6,
  D7,
  D8,
  D9,
  D10,
  D11,
  D12,
>(
  n1: Flow<T0, T1, D1>,
  n2: Flow<T1, T2, D2>,
  n3: Flow<T2, T3, D3>,
  n4: Flow<T3, T4, D4>,
  n5: Flow<T4, T5, D5>,
  n6: Flow<T5, T6, D6>,
  n7: Flow<T6, T7, D7>,
  n8: Flow<T7, T8, D8>,
  n9: Flow<T8, T9, D9>,
  n10: Flow<T9, T10, D10>,
  n11: Flow<T10, T11, D11>,
  n12: Flow<T11, T12, D12>,
): Flow<T0, T12, D1 | D2 | D3 | D4 | D5 | D6 | D7 | D8 | D9 | D10 | D11 | D12>;
export function sequence<
  T0,
  T1,
  T2,
  T3,
  T4,
  T5,
  T6,
  T7,
  T8,
  T9,
  T10,
  T11,
  T12,
  T13,
  D1,
  D2,
  D3,
  D4,
  D5,
  D6,
  D7,
  D8,
  D9,
  D10,
  D11,
  D12,
  D13,
>(
  n1: Flow<T0, T1, D1>,
  n2: Flow<T1, T2, D2>,
  n3: Flow<T2, T3, D3>,
  n4: Flow<T3, T4, D4>,
  n5: Flow<T4, T5, D5>,
  n6: Flow<T5, T6, D6>,
  n7: Flow<T6, T7, D7>,
  n8: Flow<T7, T8, D8>,
  n9: Flow<T8, T9, D9>,
  n10: Flow<T9, T10, D10>,
  n11: Flow<T10, T11, D11>,
  n12: Flow<T11, T12, D12>,
  n13: Flow<T12, T13, D13>,
): Flow<T0, T13, D1 | D2 | D3 | D4 | D5 | D6 | D7 | D8 | D9 | D10 | D11 | D12 | D13>;
export function sequence<
  T0,
  T1,
  T2,
  T3,
  T4,
  T5,
  T6,
  T7,
  T8,
  T9,
  T10,
  T11,
  T12,
  T13,
  T14,
  D1,
  D2,
  D3,
  D4,
  D5,
  D6,
  D7,
  D8,
  D9,
  D10,
  D11,
  D12,
  D13,
  D14,
>(
  n1: Flow<T0, T1, D1>,
  n2: Flow<T1, T2, D2>,
  n3: Flow<T2, T3, D3>,
  n4: Flow<T3, T4, D4>,
  n5: Flow<T4, T5, D5>,
  n6: Flow<T5, T6, D6>,
  n7: Flow<T6, T7, D7>,
  n8: Flow<T7, T8, D8>,
  n9: Flow<T8, T9, D9>,
  n10: Flow<T9, T10, D10>,
  n11: Flow<T10, T11, D11>,
  n12: Flow<T11, T12, D12>,
  n13: Flow<T12, T13, D13>,
  n14: Flow<T13, T14, D14>,
): Flow<T0, T14, D1 | D2 | D3 | D4 | D5 | D6 | D7 | D8 | D9 | D10 | D11 | D12 | D13 | D14>;
export function sequence<
  T0,
  T1,
  T2,
  T3,
  T4,
  T5,
  T6,
  T7,
  T8,
  T9,
  T10,
  T11,
  T12,
  T13,
  T14,
  T15,
  D1,
  D2,
  D3,
  D4,
  D5,
  D6,
  D7,
  D8,
  D9,
  D10,
  D11,
  D12,
  D13,
  D14,
  D15,
>(
  n1: Flow<T0, T1, D1>,
  n2: Flow<T1, T2, D2>,
  n3: Flow<T2, T3, D3>,
  n4: Flow<T3, T4, D4>,
  n5: Flow<T4, T5, D5>,
  n6: Flow<T5, T6, D6>,
  n7: Flow<T6, T7, D7>,
  n8: Flow<T7, T8, D8>,
  n9: Flow<T8, T9, D9>,
  n10: Flow<T9, T10, D10>,
  n11: Flow<T10, T11, D11>,
  n12: Flow<T11, T12, D12>,
  n13: Flow<T12, T13, D13>,
  n14: Flow<T13, T14, D14>,
  n15: Flow<T14, T15, D15>,
): Flow<T0, T15, D1 | D2 | D3 | D4 | D5 | D6 | D7 | D8 | D9 | D10 | D11 | D12 | D13 | D14 | D15>;
export function sequence<
  T0,
  T1,
  T2,
  T3,
  T4,
  T5,
  T6,
  T7,
  T8,
  T9,
  T10,
  T11,
  T12,
  T13,
  T14,
  T15,
  T16,
  D1,
  D2,
  D3,
  D4,
  D5,
  D6,
  D7,
  D8,
  D9,
  D10,
  D11,
  D12,
  D13,
  D14,
  D15,
  D16,
>(
  n1: Flow<T0, T1, D1>,
  n2: Flow<T1, T2, D2>,
  n3: Flow<T2, T3, D3>,
  n4: Flow<T3, T4, D4>,
  n5: Flow<T4, T5, D5>,
  n6: Flow<T5, T6, D6>,
  n7: Flow<T6, T7, D7>,
  n8: Flow<T7, T8, D8>,
  n9: Flow<T8, T9, D9>,
  n10: Flow<T9, T10, D10>,
  n11: Flow<T10, T11, D11>,
  n12: Flow<T11, T12, D12>,
  n13: Flow<T12, T13, D13>,
  n14: Flow<T13, T14, D14>,
  n15: Flow<T14, T15, D15>,
  n16: Flow<T15, T16, D16>,
): Flow<T0, T16, D1 | D2 | D3 | D4 | D5 | D6 | D7 | D8 | D9 | D10 | D11 | D12 | D13 | D14 | D15 | D16>;
export function sequence(...nodes: Flow<never, unknown, unknown>[]): Flow<never, unknown, unknown> {
  const node: SequenceNode = { type: "sequence", nodes: nodes as readonly unknown[] as readonly FlowNode[] };
  return node;
}

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
