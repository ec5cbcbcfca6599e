import { applyDecision } from "../compile/context-actions.ts";
import { schemaSpec } from "../compile/schema-spec.ts";
import type { ReviewNode } from "../types.ts";
import { functionSource } from "../versioning/function-source.ts";
import type { FlowConstruct } from "./construct.ts";
import type { Flow, Simplify } from "./flow-types.ts";

/** A schema that checks a decision (a zod schema, or anything with the same `safeParse`). */
export interface DecisionSchema<D> {
  safeParse(value: unknown): { success: true; data: D } | { success: false; error: unknown };
}

/** What a review gives by default: the data with the decision under `review`. */
export type Reviewed<I, D> = Simplify<
  (unknown extends I ? unknown : I extends object ? I : { data: I }) & { review: D }
>;

/** Options of {@link review}. */
export interface ReviewOptions<I, D, R> {
  /** Schema the decision is checked against when the run resumes; it types `resume`'s decision. */
  decision?: DecisionSchema<D>;
  /** How the decision is combined with the data (default `{ ...data, review: decision }`). */
  apply?: (data: I, decision: D) => R;
  /** What the reviewer is asked; shown by tools that list waiting runs. */
  prompt?: string;
}

/**
 * Pauses the run until a decision arrives from outside (human review). The run returns
 * `status: "waiting"` with a JSON snapshot that `resume` continues, in this process or another.
 * The decision's type is its schema's output; without a schema it is `unknown`.
 *
 * @example
 * review("approve-refund", { decision: z.object({ approved: z.boolean() }) })
 */
export function review<D = unknown, I = unknown, R = Reviewed<I, D>>(
  name: string,
  options: ReviewOptions<I, D, R> = {},
): Flow<I, R, D> {
  const node: ReviewNode = {
    type: "review",
    name,
    ...(options.decision === undefined ? {} : { decision: options.decision }),
    ...(options.apply === undefined
      ? {}
      : { apply: options.apply as (data: never, decision: never) => unknown }),
    ...(options.prompt === undefined ? {} : { prompt: options.prompt }),
  };
  return node;
}

declare module "../types.ts" {
  /** A review node is a flow node (see {@link FlowNodeKinds}). */
  interface FlowNodeKinds {
    review: ReviewNode;
  }
}

/** How a review compiles: a state that waits for a `review.decision` event. */
export const reviewConstruct: FlowConstruct<ReviewNode> = {
  kind: "review",
  children: () => [],
  spec: (node) => ({
    review: node.name,
    prompt: node.prompt ?? null,
    apply: node.apply ? functionSource(node.apply) : null,
    decision: node.decision ? schemaSpec(node.decision) : null,
  }),
  compile(node, into, next) {
    into.add(node.name, {
      meta: { catena: { kind: "review", review: node } },
      on: {
        "review.decision": [
          {
            target: next.target,
            actions: [applyDecision(node.name, node.apply), ...next.actions],
            description: "decision",
          },
        ],
      },
    });
    return node.name;
  },
};
