import { type Args, scopeOf } from "../compile/context-actions.ts";
import type { TransitionConfig } from "../compile/machine-builder.ts";
import { ChainDefinitionError } from "../errors/errors.ts";
import type { BranchNode, FlowNode, FlowScope } from "../types.ts";
import { functionSource } from "../versioning/function-source.ts";
import type { FlowConstruct } from "./construct.ts";
import type { Flow } from "./flow-types.ts";

/** One case of {@link branch}: a guard on the data so far, and the node to run when it holds. */
export interface BranchCaseInput<I, O, D = never> {
  label?: string;
  when: (data: I, scope: FlowScope) => boolean;
  flow: Flow<NoInfer<I>, O, D>;
}

/**
 * Routes to the first case whose guard holds; with no match, runs `otherwise` or passes the data on.
 * A branch needs at least one case or an `otherwise` (`ChainDefinitionError` when the chain is defined).
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

declare module "../types.ts" {
  /** A branch node is a flow node (see {@link FlowNodeKinds}). */
  interface FlowNodeKinds {
    branch: BranchNode;
  }
}

/** How a branch compiles: a choice state with one guarded eventless transition per case. */
export const branchConstruct: FlowConstruct<BranchNode> = {
  kind: "branch",
  childInputs: "shared",
  children: (node) =>
    node.otherwise === undefined
      ? node.cases.map((c) => c.flow)
      : [...node.cases.map((c) => c.flow), node.otherwise],
  spec: (node, specOf) => ({
    branch: node.name,
    cases: node.cases.map((c) => ({
      label: c.label,
      when: functionSource(c.when),
      flow: specOf(c.flow),
    })),
    otherwise: node.otherwise === undefined ? null : specOf(node.otherwise),
  }),
  compile(node, into, next, onError) {
    // No case and no otherwise routes nothing: the data would pass through unnoticed (cases built
    // from a list that came out empty, say).
    if (node.cases.length === 0 && node.otherwise === undefined) {
      throw new ChainDefinitionError(
        `Chain "${into.id}": branch "${node.name}" has no cases and no otherwise; give it at least one case, or drop the branch.`,
        { details: { branch: node.name } },
      );
    }
    into.add(node.name, { meta: { catena: { kind: "branch" } }, always: [] });
    const always: TransitionConfig[] = node.cases.map((c) => ({
      target: into.compile(c.flow, next, onError),
      guard: ({ context }: Args) => c.when(context.data as never, scopeOf(context)),
      description: c.label,
    }));
    always.push(
      node.otherwise === undefined
        ? { target: next.target, actions: next.actions, description: "otherwise" }
        : { target: into.compile(node.otherwise, next, onError), description: "otherwise" },
    );
    (into.states[node.name] as { always?: TransitionConfig[] }).always = always;
    return node.name;
  },
};
