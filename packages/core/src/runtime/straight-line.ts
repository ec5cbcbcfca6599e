import { recordedOutput } from "../compile/context-actions.ts";
import type { StateInfo } from "../compile/state-info.ts";

/** A state whose effect is running one step. */
type StepInfo = Extract<StateInfo, { kind: "step" }>;

/** What this reads of a machine table's state (`machine-table.ts`'s `TableState`, which calls this). */
interface LineState {
  info: StateInfo;
  on: ReadonlyMap<string, unknown>;
  onDone: readonly LineTransition[] | undefined;
  onError: readonly LineTransition[] | undefined;
  always: readonly unknown[];
  entry: readonly unknown[];
}
interface LineTransition {
  to: LineState;
  guard: unknown;
  assignments: readonly object[];
}

/**
 * The steps of a machine that is a plain sequence of steps, in order, or `undefined` when it is
 * anything else. Read off the table once per flow: a machine qualifies when, from its initial
 * state, every state runs one step (no cascade tier, no retry region, no step timeout), has no
 * entry actions or eventless transitions, and has exactly two transitions, neither guarded:
 * `step.done` recording the step's output (and nothing more) into the next step or the `done`
 * final state, and `step.error` into the `failed` final state. Such a run can only go one way, so
 * `LineRun` (`line-run.ts`) runs it without walking the table, with what a walk would give.
 */
export function straightLine(
  states: ReadonlyMap<string, LineState>,
  initial: string,
): readonly StepInfo[] | undefined {
  const line: StepInfo[] = [];
  let state = states.get(initial);
  // At most one visit per state: a plain sequence never comes back.
  for (let visits = 0; state !== undefined && visits <= states.size; visits++) {
    if (state.entry.length > 0 || state.always.length > 0) return undefined;
    const info = state.info;
    if (info.kind === "final") return info.outcome === "done" && line.length > 0 ? line : undefined;
    if (info.kind !== "step") return undefined;
    if (info.cascade !== undefined || info.tier !== undefined || info.retry !== undefined) return undefined;
    if (info.step.timeoutMs !== undefined || state.on.size !== 2) return undefined;
    const done = state.onDone;
    const error = state.onError;
    if (done?.length !== 1 || error?.length !== 1) return undefined;
    const [next] = done as [(typeof done)[number]];
    const [fail] = error as [(typeof error)[number]];
    if (next.guard !== undefined || fail.guard !== undefined) return undefined;
    const [record, ...more] = next.assignments;
    if (record === undefined || more.length > 0 || recordedOutput(record) !== info.step.name)
      return undefined;
    const failInfo = fail.to.info;
    if (failInfo.kind !== "final" || failInfo.outcome !== "failed") return undefined;
    line.push(info);
    state = next.to;
  }
  return undefined;
}
