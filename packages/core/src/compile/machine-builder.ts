import type { FlowNode } from "../types.ts";
import type { CompiledFlow } from "./compiled-flow.ts";
import type { Action, Args } from "./context-actions.ts";
import type { StateInfo } from "./state-info.ts";

/** One transition of a chain machine's state, as given to xstate. */
export interface TransitionConfig {
  target: string;
  guard?: (args: Args) => boolean;
  actions?: Action[];
  description?: string;
}

/** One state of a chain machine, as given to xstate; `meta.catena` says what the runner does there. */
export interface StateConfig {
  meta: { catena: StateInfo };
  type?: "final";
  entry?: Action[];
  on?: Record<string, TransitionConfig[]>;
  always?: TransitionConfig[];
}

/** Where control goes when a node finishes, and what to do to the context on the way. */
export interface Continuation {
  target: string;
  actions: Action[];
}

/**
 * What a flow construct compiles into: the one machine of a chain, built state by state. Each
 * construct's `compile` adds its states here and compiles its children through `compile`.
 */
export interface MachineBuilder {
  /** The chain (or sub-flow) id, for error messages. */
  readonly id: string;
  /** The states so far, by key (read by constructs that inspect what their children compiled to). */
  readonly states: Readonly<Record<string, StateConfig>>;
  /** The transitions that end the run as failed; constructs that catch errors extend them. */
  readonly failed: TransitionConfig[];
  /** The innermost retry region being compiled, so that steps report their attempt number. */
  retryRegion: string | undefined;
  /** Adds a state; throws a `ChainDefinitionError` for bad or duplicate names. */
  add(key: string, config: StateConfig): void;
  /** The key of a final state with this outcome, added on first use. */
  final(key: string, outcome: "done" | "failed" | "deferred"): string;
  /** Compiles a child node into this machine; returns the key of its entry state. */
  compile(node: FlowNode, next: Continuation, onError: TransitionConfig[]): string;
  /** Compiles a node into a machine of its own (a map's item flow, a parallel's branches). */
  compileSeparate(name: string, node: FlowNode): CompiledFlow;
  /**
   * Every node of a flow, depth first (`flowNodes`), for constructs that check what they contain:
   * given here so that construct modules need not import the registry that imports them.
   */
  nodesOf(node: FlowNode): Iterable<FlowNode>;
  /** Runs `action` when `key` is entered, before its other entry actions. */
  prependEntry(key: string, action: Action): void;
}
