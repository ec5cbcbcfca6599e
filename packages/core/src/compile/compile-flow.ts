import { type AnyStateMachine, createMachine } from "xstate";
import { ChainDefinitionError } from "../errors/errors.ts";
import { flowNodes } from "../flows/children.ts";
import { constructOf } from "../flows/registry.ts";
import type { FlowNode } from "../types.ts";
import type { CompiledFlow } from "./compiled-flow.ts";
import { type Action, recordError } from "./context-actions.ts";
import type { MachineBuilder, StateConfig, TransitionConfig } from "./machine-builder.ts";
import type { ChainMachineContext } from "./machine-context.ts";
import { FINAL_STATES } from "./state-info.ts";

const STATE_NAME = /^[A-Za-z][\w-]*$/;

/**
 * Compiles a flow into an xstate v5 machine. Each node's construct (`flows/registry.ts`) adds its
 * states: a sequence is a chain of states, a cascade a state per tier with guards on confidence, a
 * branch guarded eventless transitions, a retry a backoff state with a bounded counter, a review a
 * state that waits for a decision event, a map or parallel a state whose effect runs sub-flows.
 */
export function compileFlow(id: string, flow: FlowNode): CompiledFlow {
  const states: Record<string, StateConfig> = {};
  const failed: TransitionConfig[] = [
    { target: FINAL_STATES.failed, actions: [recordError], description: "error" },
  ];
  const builder: MachineBuilder = {
    id,
    states,
    failed,
    retryRegion: undefined,
    add(key, config) {
      if (!STATE_NAME.test(key)) {
        throw new ChainDefinitionError(
          `Chain "${id}": the name "${key}" is not allowed; names start with a letter and use letters, digits, "_" and "-".`,
          { details: { chain: id, name: key } },
        );
      }
      if (key in states) {
        throw new ChainDefinitionError(
          `Chain "${id}": the name "${key}" is used twice; step and flow names must be unique.`,
          { details: { chain: id, name: key } },
        );
      }
      states[key] = config;
      // Final states exist only when something leads to them, so that every state stays reachable.
      for (const t of [...Object.values(config.on ?? {}).flat(), ...(config.always ?? [])]) {
        if (t.target === FINAL_STATES.failed) builder.final(FINAL_STATES.failed, "failed");
      }
    },
    final(key, outcome) {
      states[key] ??= { type: "final", meta: { catena: { kind: "final", outcome } } };
      return key;
    },
    compile: (node, next, onError) => constructOf(node).compile(node, builder, next, onError),
    compileSeparate: (name, node) => compileFlow(name, node),
    nodesOf: flowNodes,
    prependEntry(key, action: Action) {
      const state = states[key] as StateConfig;
      state.entry = [action, ...(state.entry ?? [])];
    },
  };
  const done = builder.final(FINAL_STATES.done, "done");
  const initial = builder.compile(flow, { target: done, actions: [] }, failed);
  const machine = createMachine({
    id,
    initial,
    context: ({ input }: { input: ChainMachineContext }) => input,
    states: states as never,
    output: ({ context }: { context: ChainMachineContext }) => context.data,
  } as never) as AnyStateMachine;
  return { machine };
}
