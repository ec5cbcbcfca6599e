import { recordOutput } from "../compile/context-actions.ts";
import type { AnyStep } from "../types.ts";
import type { FlowConstruct } from "./construct.ts";

/** A step as a flow node: one state that runs the step and moves on when it is done. */
export const stepConstruct: FlowConstruct<AnyStep> = {
  kind: "step",
  children: () => [],
  spec: (node) => ({
    step: node.name,
    kind: node.kind,
    spec: node.spec,
    ...(node.threshold === undefined ? {} : { threshold: node.threshold }),
  }),
  compile(node, into, next, onError) {
    const retry = into.retryRegion;
    into.add(node.name, {
      meta: { catena: { kind: "step", step: node, ...(retry ? { retry } : {}) } },
      on: {
        "step.done": [{ target: next.target, actions: [recordOutput(node.name), ...next.actions] }],
        "step.error": onError,
      },
    });
    return node.name;
  },
};
