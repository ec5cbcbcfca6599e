import { assign } from "xstate";
import type { FlowScope, LabelResult } from "../types.ts";
import type { ChainMachineContext, ChainMachineEvent, TierAnswer } from "./machine-context.ts";

/*
 * The assign actions of chain machines: how each transition changes the machine's context (the
 * data, step outputs, saved region data, retry counters, cascade answers). Pure functions of the
 * context and the event, except that step outputs are recorded in place (see recordOutput).
 */

/** The arguments xstate passes to guards and actions. */
export type Args = { context: ChainMachineContext; event: ChainMachineEvent };
/** An xstate assign action; the table driver relies on machines holding only these. */
export type Action = object;
const act = (fn: (args: Args) => Partial<ChainMachineContext>): Action => assign(fn as never);

export function scopeOf(context: ChainMachineContext): FlowScope {
  return { input: context.input, outputs: context.outputs };
}

export function isLabelResult(value: unknown): value is LabelResult {
  return (
    typeof value === "object" &&
    value !== null &&
    "label" in value &&
    typeof (value as { confidence?: unknown }).confidence === "number"
  );
}

export const recordError = act(({ event }: Args) => ({
  error: event.type === "step.error" ? event.error : { name: "Error", code: "ERROR", message: "unknown" },
}));

/**
 * Where an assign action may keep its in-place form: what it does to the context, done directly,
 * for the table driver (`runtime/machine-table.ts`), which otherwise merges what the action returns
 * into the run's context. xstate ignores it.
 */
export const IN_PLACE: unique symbol = Symbol("catena.assignInPlace");

/*
 * Step outputs are recorded into `context.outputs` in place: a run only ever adds to it, and copying
 * it on every step would make each step cost as much as the number of steps before it. Every step
 * of every run takes this action: its in-place form spares the table a `{ data }` object to merge.
 */
export function recordOutput(name: string): Action {
  const action = act(({ context, event }: Args) => {
    const output = event.type === "step.done" ? event.output : undefined;
    context.outputs[name] = output;
    return { data: output };
  });
  const inPlace = ({ context, event }: Args): void => {
    const output = event.type === "step.done" ? event.output : undefined;
    context.outputs[name] = output;
    context.data = output;
  };
  (action as { [IN_PLACE]?: (args: Args) => void })[IN_PLACE] = inPlace;
  RECORDS.set(inPlace, name);
  return action;
}

/** The in-place forms of `recordOutput`, with the step whose output each records. */
const RECORDS = new WeakMap<object, string>();

/**
 * The name of the step whose output `assignment` records when it is the in-place form of
 * {@link recordOutput}, and nothing else: what lets the runner tell a plain sequence of steps
 * (`runtime/straight-line.ts`) from a machine whose transitions do more.
 */
export function recordedOutput(assignment: object): string | undefined {
  return RECORDS.get(assignment);
}

export function saveData(region: string): Action {
  return act(({ context }: Args) => ({ saved: { ...context.saved, [region]: context.data } }));
}

export function restoreData(region: string): Action {
  return act(({ context }: Args) => ({ data: context.saved[region] }));
}

export function mergeInto(key: string, region: string): Action {
  return act(({ context }: Args) => {
    const before = context.saved[region];
    const base =
      typeof before === "object" && before !== null && !Array.isArray(before) ? before : { value: before };
    return { data: { ...base, [key]: context.data } };
  });
}

export function countAttempt(region: string): Action {
  return act(({ context }: Args) => ({
    attempts: { ...context.attempts, [region]: (context.attempts[region] ?? 0) + 1 },
  }));
}

export function applyDecision(
  name: string,
  apply: ((data: never, decision: never) => unknown) | undefined,
): Action {
  return act(({ context, event }: Args) => {
    const decision = event.type === "review.decision" ? event.decision : undefined;
    const data = context.data;
    const next = apply
      ? apply(data as never, decision as never)
      : typeof data === "object" && data !== null && !Array.isArray(data)
        ? { ...data, review: decision }
        : { data, review: decision };
    context.outputs[name] = decision;
    return { data: next };
  });
}

export function startCascade(c: string): Action {
  return act(({ context }: Args) => {
    // A retry may run the cascade again: forget the previous attempt's answer.
    delete context.outputs[c];
    return { cascades: { ...context.cascades, [c]: { best: null, errors: [] } } };
  });
}

export function noteAnswer(c: string, tier: string): Action {
  return act(({ context, event }: Args) => {
    const state = context.cascades[c] ?? { best: null, errors: [] };
    const output = event.type === "step.done" ? event.output : undefined;
    let best = state.best;
    if (
      isLabelResult(output) &&
      output.label !== null &&
      (best === null || output.confidence > best.result.confidence)
    ) {
      best = { tier, result: output } satisfies TierAnswer;
    }
    context.outputs[tier] = output;
    return { cascades: { ...context.cascades, [c]: { ...state, best } } };
  });
}

export function noteTierError(c: string, tier: string): Action {
  return act(({ context, event }: Args) => {
    const state = context.cascades[c] ?? { best: null, errors: [] };
    if (event.type !== "step.error") return {};
    return {
      cascades: {
        ...context.cascades,
        [c]: { ...state, errors: [...state.errors, { tier, error: event.error }] },
      },
    };
  });
}

export function acceptAnswer(c: string, tier: string): Action {
  return act(({ context, event }: Args) => {
    const output = event.type === "step.done" ? (event.output as LabelResult) : undefined;
    const data = { ...output, tier, accepted: true };
    context.outputs[tier] = output;
    context.outputs[c] = data;
    return { data };
  });
}

export function useBest(c: string): Action {
  return act(({ context }: Args) => {
    const best = context.cascades[c]?.best;
    const data = best ? { ...best.result, tier: best.tier, accepted: false } : null;
    context.outputs[c] = data;
    return { data };
  });
}

export function deferTo(c: string): Action {
  return act(({ context }: Args) => {
    const state = context.cascades[c] ?? { best: null, errors: [] };
    return { deferred: { cascade: c, best: state.best, errors: state.errors } };
  });
}
