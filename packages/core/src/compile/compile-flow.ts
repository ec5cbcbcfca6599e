import { type AnyStateMachine, createMachine } from "xstate";
import { acceptanceText } from "../calibrate/threshold-text.ts";
import { ChainDefinitionError } from "../errors/errors.ts";
import { flowNodes } from "../flows/children.ts";
import type { CascadeNode, FlowNode, RetryNode } from "../types.ts";
import {
  type Action,
  type Args,
  acceptAnswer,
  applyDecision,
  countAttempt,
  deferTo,
  isLabelResult,
  mergeInto,
  noteAnswer,
  noteTierError,
  recordError,
  recordOutput,
  restoreData,
  saveData,
  scopeOf,
  startCascade,
  useBest,
} from "./context-actions.ts";
import type { ChainMachineContext } from "./machine-context.ts";
import { type MachineTable, machineTable } from "./machine-table.ts";
import { FINAL_STATES, type StateInfo } from "./state-info.ts";

/** A flow compiled to an xstate machine, plus the transition table the runner walks. */
export interface CompiledFlow {
  machine: AnyStateMachine;
  table: MachineTable;
}

interface TransitionConfig {
  target: string;
  guard?: (args: Args) => boolean;
  actions?: Action[];
  description?: string;
}
interface StateConfig {
  meta: { catena: StateInfo };
  type?: "final";
  entry?: Action[];
  on?: Record<string, TransitionConfig[]>;
  always?: TransitionConfig[];
}
/** Where control goes when a node finishes, and what to do to the context on the way. */
interface Continuation {
  target: string;
  actions: Action[];
}

const STATE_NAME = /^[A-Za-z][\w-]*$/;

/**
 * Compiles a flow into an xstate v5 machine: a sequence is a chain of states, a cascade a state per
 * tier with guards on confidence, a branch guarded eventless transitions, a retry a backoff state
 * with a bounded counter, a review a state that waits for a decision event.
 */
export function compileFlow(id: string, flow: FlowNode): CompiledFlow {
  const states: Record<string, StateConfig> = {};
  const add = (key: string, config: StateConfig): void => {
    if (!STATE_NAME.test(key)) {
      throw new ChainDefinitionError(
        `Chain "${id}": the name "${key}" is not allowed; names start with a letter and use letters, digits, "_" and "-".`,
        { details: { chain: id, name: key } },
      );
    }
    if (key in states) {
      throw new ChainDefinitionError(
        `Chain "${id}": the name "${key}" is used twice; step and flow names must be unique.`,
        {
          details: { chain: id, name: key },
        },
      );
    }
    states[key] = config;
    // Final states exist only when something leads to them, so that every state stays reachable.
    for (const t of [...Object.values(config.on ?? {}).flat(), ...(config.always ?? [])]) {
      if (t.target === FINAL_STATES.failed) final(FINAL_STATES.failed, "failed");
    }
  };
  const final = (key: string, outcome: "done" | "failed" | "deferred"): string => {
    states[key] ??= { type: "final", meta: { catena: { kind: "final", outcome } } };
    return key;
  };
  // The innermost retry region being compiled, so that steps can report their attempt number.
  let retryRegion: string | undefined;
  const failed: TransitionConfig[] = [
    { target: FINAL_STATES.failed, actions: [recordError], description: "error" },
  ];

  const compile = (node: FlowNode, next: Continuation, onError: TransitionConfig[]): string => {
    switch (node.type) {
      case "step":
        add(node.name, {
          meta: { catena: { kind: "step", step: node, ...(retryRegion ? { retry: retryRegion } : {}) } },
          on: {
            "step.done": [{ target: next.target, actions: [recordOutput(node.name), ...next.actions] }],
            "step.error": onError,
          },
        });
        return node.name;
      case "sequence": {
        if (node.nodes.length === 0)
          throw new ChainDefinitionError(`Chain "${id}": a sequence needs at least one node.`);
        // Compiled back to front so that each node knows the entry state of the one after it.
        let cont = next;
        let entry = next.target;
        for (let i = node.nodes.length - 1; i >= 0; i--) {
          entry = compile(node.nodes[i] as FlowNode, cont, onError);
          cont = { target: entry, actions: [] };
        }
        return entry;
      }
      case "assign": {
        const region = `assign:${node.key}:${Object.keys(states).length}`;
        const entry = compile(
          node.node,
          { target: next.target, actions: [mergeInto(node.key, region), ...next.actions] },
          onError,
        );
        prependEntry(states, entry, saveData(region));
        return entry;
      }
      case "branch": {
        add(node.name, { meta: { catena: { kind: "branch" } }, always: [] });
        const always: TransitionConfig[] = node.cases.map((c) => ({
          target: compile(c.flow, next, onError),
          guard: ({ context }: Args) => c.when(context.data as never, scopeOf(context)),
          description: c.label,
        }));
        always.push(
          node.otherwise === undefined
            ? { target: next.target, actions: next.actions, description: "otherwise" }
            : { target: compile(node.otherwise, next, onError), description: "otherwise" },
        );
        (states[node.name] as StateConfig).always = always;
        return node.name;
      }
      case "cascade":
        return compileCascade(node, next);
      case "retry":
        return compileRetry(node, next, onError);
      case "map": {
        if (containsReview(node.node)) {
          throw new ChainDefinitionError(
            `Chain "${id}": map "${node.name}" contains a review; reviews pause the whole run, so put them outside the map.`,
          );
        }
        const inner = compileFlow(`${id}/${node.name}`, node.node);
        add(node.name, {
          meta: { catena: { kind: "map", map: node, flow: inner } },
          on: {
            "step.done": [{ target: next.target, actions: [recordOutput(node.name), ...next.actions] }],
            "step.error": onError,
          },
        });
        return node.name;
      }
      case "review":
        add(node.name, {
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
    }
  };

  const compileCascade = (node: CascadeNode, next: Continuation): string => {
    if (node.tiers.length === 0)
      throw new ChainDefinitionError(`Chain "${id}": cascade "${node.name}" has no tiers.`);
    add(node.name, { meta: { catena: { kind: "branch" } }, always: [] });
    const c = node.name;
    const exhausted = (): TransitionConfig[] => {
      const deferred = final(FINAL_STATES.deferred, "deferred");
      const toDeferred: TransitionConfig = {
        target: deferred,
        actions: [deferTo(c)],
        description: "deferred",
      };
      if (node.onExhausted === "deferred") return [toDeferred];
      return [
        {
          target: next.target,
          // Checked before this tier's answer is noted, so the answer in the event counts too.
          guard: ({ context, event }: Args) =>
            context.cascades[c]?.best != null ||
            (event.type === "step.done" && isLabelResult(event.output) && event.output.label !== null),
          actions: [useBest(c), ...next.actions],
          description: "best answer",
        },
        toDeferred,
      ];
    };
    let entry = "";
    for (let i = node.tiers.length - 1; i >= 0; i--) {
      const tier = node.tiers[i] as CascadeNode["tiers"][number];
      const s = tier.step.name;
      const last = i === node.tiers.length - 1;
      const escalate: TransitionConfig[] = last
        ? exhausted().map((t) => ({ ...t, actions: [noteAnswer(c, s), ...(t.actions ?? [])] }))
        : [{ target: entry, actions: [noteAnswer(c, s)], description: "escalate" }];
      const onTierError: TransitionConfig[] = last
        ? exhausted().map((t) => ({
            ...t,
            actions: [noteTierError(c, s), ...(t.actions ?? [])],
            description: `error: ${t.description ?? ""}`,
          }))
        : [{ target: entry, actions: [noteTierError(c, s)], description: "error: escalate" }];
      const accepted = ({ context, event }: Args): boolean => {
        if (event.type !== "step.done" || !isLabelResult(event.output) || event.output.label === null)
          return false;
        return tier.accept
          ? tier.accept(event.output, scopeOf(context))
          : event.output.confidence >= tier.threshold;
      };
      add(s, {
        meta: {
          catena: {
            kind: "step",
            step: tier.step,
            cascade: c,
            tier: s,
            threshold: tier.threshold,
            ...(retryRegion ? { retry: retryRegion } : {}),
          },
        },
        on: {
          "step.done": [
            {
              target: next.target,
              guard: accepted,
              actions: [acceptAnswer(c, s), ...next.actions],
              description: tier.accept ? "accepted" : acceptanceText(tier.threshold),
            },
            ...escalate,
          ],
          "step.error": onTierError,
        },
      });
      entry = s;
    }
    (states[c] as StateConfig).always = [{ target: entry, actions: [startCascade(c)] }];
    return c;
  };

  const compileRetry = (node: RetryNode, next: Continuation, onError: TransitionConfig[]): string => {
    if (!Number.isInteger(node.attempts) || node.attempts < 1) {
      throw new ChainDefinitionError(
        `Chain "${id}": retry "${node.name}" needs attempts >= 1, got ${node.attempts}.`,
      );
    }
    const r = node.name;
    const backoff = `${r}-backoff`;
    add(backoff, { meta: { catena: { kind: "delay", retry: node } }, on: {} });
    const retryOn = node.retryOn;
    const again: TransitionConfig = {
      target: backoff,
      guard: ({ context, event }: Args) =>
        (context.attempts[r] ?? 0) + 1 < node.attempts &&
        event.type === "step.error" &&
        (retryOn ? retryOn(event.error) : event.error.code !== "ABORTED"),
      actions: [countAttempt(r)],
      description: `error (attempts < ${node.attempts})`,
    };
    const outer = retryRegion;
    retryRegion = r;
    const entry = compile(node.node, next, [again, ...onError]);
    retryRegion = outer;
    const leadsToBackoff = Object.values(states).some((state) =>
      Object.values(state.on ?? {}).some((list) => list.some((t) => t.target === backoff)),
    );
    if (!leadsToBackoff) {
      throw new ChainDefinitionError(
        `Chain "${id}": retry "${r}" wraps a node that never fails (a cascade turns tier errors into escalations), so it would never retry; remove the retry or put it around a step.`,
        { details: { chain: id, retry: r } },
      );
    }
    prependEntry(states, entry, saveData(r));
    (states[backoff] as StateConfig).on = {
      "delay.done": [{ target: entry, actions: [restoreData(r)], description: "retry" }],
    };
    return entry;
  };

  const done = final(FINAL_STATES.done, "done");
  const initial = compile(flow, { target: done, actions: [] }, failed);
  const machine = createMachine({
    id,
    initial,
    context: ({ input }: { input: ChainMachineContext }) => input,
    states: states as never,
    output: ({ context }: { context: ChainMachineContext }) => context.data,
  } as never) as AnyStateMachine;
  return { machine, table: machineTable(machine) };
}

function containsReview(node: FlowNode): boolean {
  for (const n of flowNodes(node)) if (n.type === "review") return true;
  return false;
}

function prependEntry(states: Record<string, StateConfig>, key: string, action: Action): void {
  const state = states[key] as StateConfig;
  state.entry = [action, ...(state.entry ?? [])];
}
