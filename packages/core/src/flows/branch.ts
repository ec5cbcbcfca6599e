import type { BranchNode, FlowNode, FlowScope } from "../types.ts";
import type { Flow } from "./flow-types.ts";

/** One case of {@link branch}: a guard on the data so far, and the node to run when it holds. */
export interface BranchCaseInput<I, O, D = never> {
  label?: string;
  when: (data: I, scope: FlowScope) => boolean;
  flow: Flow<NoInfer<I>, O, D>;
}

/**
 * Routes to the first case whose guard holds; with no match, runs `otherwise` or passes the data on.
 * The guards and the cases take the data of the position the branch stands in; the branch gives
 * what its cases (and `otherwise`, or the data passed on) give.
 *
 * @example
 * branch("by-length", [{ label: "long", when: (d) => d.text.length > 200, flow: summarize }])
 */
export function branch<O, D = never, I = unknown, E = I, DE = never>(
  name: string,
  cases: readonly BranchCaseInput<I, O, D>[],
  options: { otherwise?: Flow<NoInfer<I>, E, DE> } = {},
): Flow<I, O | E, D | DE> {
  const node: BranchNode = {
    type: "branch",
    name,
    cases: cases.map((c, i) => ({
      label: c.label ?? `case ${i + 1}`,
      when: c.when as (data: never, scope: FlowScope) => boolean,
      flow: c.flow as FlowNode,
    })),
    ...(options.otherwise === undefined ? {} : { otherwise: options.otherwise as FlowNode }),
  };
  return node as Flow<I, O | E, D | DE>;
}
