import type { z } from "zod";
import type { FlowNode, SequenceNode } from "../types.ts";
import type { Flow } from "./flow-types.ts";
import { sequenceNode } from "./sequence.ts";

/** A sequence built left to right from the chain's input: each `pipe` takes what the last node gives. */
export interface FlowBuilder<I, O, D = never> extends Flow<I, O, D> {
  readonly type: "sequence";
  readonly name: string;
  readonly nodes: readonly FlowNode[];
  /** Appends a node that takes this flow's output; a node that takes something else is an error here. */
  pipe<N, DN = never>(node: Flow<O, N, DN>): FlowBuilder<I, N, D | DN>;
}

/**
 * Starts a flow from the chain's input schema, so that the first node, and every callback after it,
 * knows the data's type: `flow(input).pipe(a).pipe(b)` is `sequence(a, b)` with the head typed.
 *
 * @example
 * defineChain({ input, output, flow: flow(input).pipe(assign("draft", writeSql)).pipe(code("x", (d) => d.text)) })
 */
export function flow<S extends z.ZodType>(input: S): FlowBuilder<z.output<S>, z.output<S>>;
/** Starts a flow whose data is `T` (no schema at hand). */
export function flow<T>(): FlowBuilder<T, T>;
export function flow(): FlowBuilder<unknown, unknown> {
  return builder([]);
}

function builder(nodes: readonly FlowNode[]): FlowBuilder<unknown, unknown> {
  const node: SequenceNode & { pipe(next: Flow<never, unknown, unknown>): SequenceNode } = {
    ...sequenceNode(nodes),
    pipe: (next) => builder([...nodes, next as unknown as FlowNode]),
  };
  return node as unknown as FlowBuilder<unknown, unknown>;
}
