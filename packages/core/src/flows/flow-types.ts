/*
 * The static side of flows: `Flow<I, O, D>` is what every flow factory returns and takes. The
 * runtime nodes (`FlowNode`) stay plain data; the types ride along on an optional phantom property
 * that no value ever has, the way zod's and Standard Schema's `~standard` does.
 */

/** The phantom that carries a flow's types; never present at run time. */
export interface FlowTypes<I, O, D> {
  /** A function of the input, so that a flow taking less is usable where one taking more is expected. */
  readonly in: (input: I) => void;
  readonly out: () => O;
  /** The decisions its reviews wait for (a union), so that `resume` is typed by the chain. */
  readonly decision: () => D;
}

/**
 * A node of a flow that takes `I`, gives `O` and, when it holds reviews, waits for decisions `D`.
 * Steps are flows; `sequence`, `branch`, `cascade`, `retry`, `map`, `assign` and `review` build
 * bigger ones and check at compile time that each node's output is what the next one takes.
 */
export interface Flow<I, O, D = never> {
  readonly type: string;
  /** Type-level only: what the flow takes, gives and waits for. */
  readonly "~flow"?: FlowTypes<I, O, D>;
}

/** Any flow, whatever it takes and gives. */
export type AnyFlow = Flow<never, unknown, unknown>;

/** What a flow takes. */
export type FlowInput<F> = F extends Flow<infer I, unknown, unknown> ? I : never;
/** What a flow gives. */
export type FlowOutput<F> = F extends Flow<never, infer O, unknown> ? O : never;
/** The decisions a flow's reviews wait for (`never` without reviews). */
export type FlowDecision<F> = F extends Flow<never, unknown, infer D> ? D : never;

/** Flattens an intersection into one object type, so that editors and errors show its fields. */
export type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** `I` with `key` set to `V`: what `assign` gives. */
export type Assigned<I, K extends string, V> = Simplify<
  (unknown extends I ? unknown : I extends object ? Omit<I, K> : unknown) & { [P in K]: V }
>;
