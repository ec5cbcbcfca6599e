import type { AnyStateMachine } from "xstate";
import type { CompiledFlow } from "../compile/compiled-flow.ts";
import { IN_PLACE } from "../compile/context-actions.ts";
import type { ChainMachineContext, ChainMachineEvent } from "../compile/machine-context.ts";
import type { StateInfo } from "../compile/state-info.ts";
import { straightLine } from "./straight-line.ts";

type Args = { context: ChainMachineContext; event: ChainMachineEvent };
type Guard = (args: Args, params: undefined) => boolean;
/** An assign action as the table runs it: on the run's context, in place. */
type Assignment = (args: Args) => void;

interface TableTransition {
  target: string;
  /** The target's state, resolved once the table is read (a map lookup per transition less). */
  to: TableState;
  guard: Guard | undefined;
  assignments: Assignment[];
}

/** One state of the table: its effect, its transitions by event type, entry and eventless ones. */
export interface TableState {
  key: string;
  info: StateInfo;
  final: boolean;
  on: Map<string, TableTransition[]>;
  /** `on`'s lists for a step's two events, read off the map once: every step sends one of them. */
  onDone: TableTransition[] | undefined;
  onError: TableTransition[] | undefined;
  always: TableTransition[];
  entry: Assignment[];
}

/**
 * Where a run is: the state it is in and the machine's context there. The table driver moves one
 * cursor per run (or sub-flow) along, updating it and its context in place.
 */
export interface MachineCursor {
  state: TableState;
  context: ChainMachineContext;
}

/**
 * The table's own cursor, which is also the one argument object its guards and actions get
 * (`{ context, event }`, the event replaced at each transition; none of them keeps it, they
 * destructure it): no argument object per transition, nor one per run beside the cursor.
 */
interface TableCursor extends MachineCursor {
  event: ChainMachineEvent;
}

/**
 * The transitions of a chain's xstate machine, read off its state nodes into plain arrays so that
 * the runner can take a transition in well under a microsecond. It runs the machine's own guards
 * and assign actions, in xstate's order (transition actions, then entry actions, then eventless
 * transitions); the conformance test checks it against a real xstate actor.
 */
export interface MachineTable {
  initial: string;
  states: Map<string, TableState>;
  /**
   * The machine's steps in order when it is a plain sequence of steps (`straight-line.ts`): a run
   * of it can only go one way, and `LineRun` runs it without the table. `undefined` otherwise.
   */
  line: readonly Extract<StateInfo, { kind: "step" }>[] | undefined;
  /** The cursor after the machine starts with this context, which becomes the run's own. */
  start(context: ChainMachineContext): MachineCursor;
  /** The cursor after `event` in `cursor`; throws when the state has no transition for it. */
  send(cursor: MachineCursor, event: ChainMachineEvent): MachineCursor;
  /** The cursor for a persisted state key and context (for resuming a paused run). */
  restore(stateKey: string, context: ChainMachineContext): MachineCursor;
}

interface StateNodeLike {
  key: string;
  type: string;
  meta?: { catena?: StateInfo };
  entry: readonly unknown[];
  always?: readonly TransitionLike[];
  transitions: Map<string, readonly TransitionLike[]>;
}
interface TransitionLike {
  target?: readonly { key: string }[];
  guard?: unknown;
  actions: readonly unknown[];
}

/** Reads the transition table of a machine produced by `compileFlow`. */
export function machineTable(machine: AnyStateMachine): MachineTable {
  const states = new Map<string, TableState>();
  const nodes = machine.root.states as Record<string, StateNodeLike>;
  for (const [key, node] of Object.entries(nodes)) {
    const info = node.meta?.catena;
    if (!info) throw new Error(`state "${key}" has no catena meta; the machine was not built by compileFlow`);
    const on = new Map<string, TableTransition[]>();
    for (const [event, list] of node.transitions) on.set(event, list.map(toTableTransition));
    states.set(key, {
      key,
      info,
      final: node.type === "final",
      on,
      onDone: on.get("step.done"),
      onError: on.get("step.error"),
      always: (node.always ?? []).map(toTableTransition),
      entry: node.entry.map(toAssignment),
    });
  }
  for (const state of states.values()) {
    for (const list of state.on.values()) for (const t of list) resolve(t, states);
    for (const t of state.always) resolve(t, states);
  }
  const initial = String(machine.config.initial);

  /** Moves `cursor` into state `key`: its entry actions, then any eventless transitions. */
  const enter = (cursor: MachineCursor, to: TableState, args: Args): MachineCursor => {
    let state = to;
    apply(state.entry, args);
    // Eventless transitions (branches, cascade starts) are taken at once, as xstate does.
    for (let hops = 0; state.always.length > 0; hops++) {
      if (hops > states.size) throw new Error(`eventless transitions loop at "${state.key}"`);
      const t = pick(state.always, args, state.key, "(always)");
      apply(t.assignments, args);
      state = t.to;
      apply(state.entry, args);
    }
    cursor.state = state;
    return cursor;
  };

  const startEvent: ChainMachineEvent = { type: "delay.done" };
  const initialState = states.get(initial) as TableState;
  return {
    initial,
    states,
    line: straightLine(states, initial),
    // The context becomes the run's own (callers make a fresh one per run): transitions update it,
    // and the cursor, in place rather than copying the context at every step.
    start: (context) => {
      const cursor: TableCursor = { state: initialState, context, event: startEvent };
      return enter(cursor, initialState, cursor);
    },
    send(cursor, event) {
      const state = cursor.state;
      const type = event.type;
      const list =
        type === "step.done" ? state.onDone : type === "step.error" ? state.onError : state.on.get(type);
      if (!list) throw new Error(`state "${cursor.state.key}" has no transition for "${event.type}"`);
      // The cursor is the argument of every guard and action of its transitions: the context is
      // the run's one (changed in place) and the event the same throughout a transition.
      const args = cursor as TableCursor;
      args.event = event;
      const t = pick(list, args, cursor.state.key, event.type);
      apply(t.assignments, args);
      return enter(cursor, t.to, args);
    },
    restore(stateKey, context) {
      const state = states.get(stateKey);
      if (!state) throw new Error(`unknown state "${stateKey}"`);
      // A copy, outputs included (steps record theirs in place): the snapshot the context comes
      // from is the caller's, and resuming it twice must start from the same outputs both times.
      const copy: ChainMachineContext = { ...context, outputs: { ...context.outputs } };
      const cursor: TableCursor = { state, context: copy, event: startEvent };
      return cursor;
    },
  };
}

function toTableTransition(t: TransitionLike): TableTransition {
  const target = t.target?.[0]?.key;
  if (target === undefined) throw new Error("targetless transitions are not produced by compileFlow");
  if (t.guard !== undefined && typeof t.guard !== "function")
    throw new Error("only inline guards are supported");
  return {
    target,
    to: undefined as unknown as TableState, // set by `resolve` once every state is read
    guard: t.guard as Guard | undefined,
    assignments: t.actions.map(toAssignment),
  };
}

function resolve(t: TableTransition, states: Map<string, TableState>): void {
  const to = states.get(t.target);
  if (to === undefined) throw new Error(`transition to unknown state "${t.target}"`);
  t.to = to;
}

function toAssignment(action: unknown): Assignment {
  const a = action as { type?: string; assignment?: unknown; [IN_PLACE]?: Assignment };
  if (a.type !== "xstate.assign" || typeof a.assignment !== "function") {
    throw new Error("only assign actions with a function are supported in chain machines");
  }
  const inPlace = a[IN_PLACE];
  if (inPlace !== undefined) return inPlace;
  const assignment = a.assignment as (args: Args, params: undefined) => Record<string, unknown>;
  // A key-by-key copy rather than Object.assign, which takes V8's generic path for a target that
  // already has properties (most steps' `{ data }` into an 8-field context). The actions return
  // plain object literals: their enumerable keys are their own, none are symbols.
  return (args) => {
    const changes = assignment(args, undefined);
    const target = args.context as unknown as Record<string, unknown>;
    for (const key in changes) target[key] = changes[key];
  };
}

function pick(list: TableTransition[], args: Args, from: string, on: string) {
  for (const t of list) {
    if (t.guard === undefined) return t;
    if (t.guard(args, undefined)) return t;
  }
  throw new Error(`no transition from "${from}" on ${on} matched`);
}

/**
 * Runs assign actions on a run's context, in place, each seeing the ones before (as in xstate).
 * The actions stay pure (they return what changes); only the table merges it into the run's one
 * context (`toAssignment`), where xstate makes a new snapshot per transition.
 */
function apply(assignments: Assignment[], args: Args): void {
  for (let i = 0; i < assignments.length; i++) (assignments[i] as Assignment)(args);
}

const TABLES = new WeakMap<CompiledFlow, MachineTable>();
/** The last flow asked about: a batch asks for the same flow's table once per item. */
let lastFlow: CompiledFlow | undefined;
let lastTable: MachineTable | undefined;

/**
 * The transition table of a compiled flow, read off its machine on first use and kept for the
 * flow's lifetime, so each chain pays for it once.
 */
export function tableOf(flow: CompiledFlow): MachineTable {
  if (flow === lastFlow) return lastTable as MachineTable;
  let table = TABLES.get(flow);
  if (table === undefined) {
    table = machineTable(flow.machine);
    TABLES.set(flow, table);
  }
  lastFlow = flow;
  lastTable = table;
  return table;
}
