/*
 * The contract every flow construct fulfils. A construct is one module (`flows/<construct>.ts`)
 * exporting one value of this shape and adding its node type to `FlowNodeKinds` (types.ts) with a
 * `declare module "../types.ts"` block; `flows/registry.ts` lists them, and every tool that walks,
 * fingerprints, compiles or runs a flow dispatches through it instead of switching on the kind:
 * `children` (flows/children.ts: step lists, map/parallel review checks, the CLI's eval report),
 * `spec` (compile/flow-spec.ts: the fingerprint), `compile` (compile/compile-flow.ts: the machine),
 * `childInputs` (compile/check-input-keys.ts, calibrate/find-cascade.ts), `effect`/`resume`
 * (runtime/run-session.ts) and `describe` (compile/to-mermaid.ts).
 *
 * Design notes:
 * - The machine stays the single source of truth. A construct compiles into plain states of the
 *   chain's machine (`step`, `branch`, `delay`, `review`, `final`) or into an `effect` state; both
 *   drivers (the table and a real xstate actor) walk the same transitions.
 * - An `effect` state is where the runner hands control to the construct's `effect`, which does
 *   the I/O (runs sub-flows compiled with `compileSeparate`, or another chain's machine) and
 *   returns the event the machine takes next (`step.done` / `step.error`). Sub-flows run in the
 *   same session, so their step records, usage and spans are the run's.
 * - A pause inside a sub-flow (a subchain's review) surfaces as `{ type: "pause" }`: the run stops
 *   at the effect state and its snapshot carries `nested`, which `resume` hands back to the
 *   construct's `resume` (recursively, for subchains of subchains).
 * - Constructs whose sub-flows run side by side (map, parallel) refuse reviews inside: a pause
 *   would leave sibling branches half done.
 * - Construct modules import nothing that imports the registry (which imports them): what they
 *   need of other constructs comes through their arguments (`specOf`, `into.compile`,
 *   `into.nodesOf`, `run.runFlow`), and every node carries its `name`. `scripts/import-cycles.ts`
 *   (in `pnpm lint`) fails on any import cycle.
 */

import type { AnyChain } from "../compile/chain.ts";
import type { CompiledFlow } from "../compile/compiled-flow.ts";
import type { Continuation, MachineBuilder, TransitionConfig } from "../compile/machine-builder.ts";
import type { ChainMachineEvent, DeferredInfo } from "../compile/machine-context.ts";
import type { CatenaError } from "../errors/catena-error.ts";
import type { FlowNode, JsonValue, ReviewNode, StepRecord, TraceSpan, Usage } from "../types.ts";

/** Gives the fingerprint spec of a child node (the walk's recursion). */
export type SpecOf = (node: FlowNode) => JsonValue;

/**
 * How a construct hands its input to its children, for the static checks that follow the chain's
 * input into the flow (`checkInputKeys`, calibration's search for what runs before a cascade):
 * - `threaded`: children run one after another, each on the previous one's output (a sequence);
 * - `passed`: its one child gets exactly its input, on every path (an assign);
 * - `shared`: every child gets its input, but which ones run depends on the path (branch, retry...);
 * - absent: children get something else (a map's elements, another chain's own input).
 */
export type ChildInputs = "threaded" | "passed" | "shared";

/** Where a construct's children ended when a run walked them (see {@link EffectRun.runFlow}). */
export type FlowEnd =
  | { status: "done"; data: unknown }
  | { status: "deferred"; deferred: DeferredInfo }
  | { status: "failed"; error: CatenaError | Error }
  | {
      /** A review inside paused the flow: `state` and `context` resume it (plain JSON). */
      status: "waiting";
      state: string;
      context: unknown;
      review: { name: string; prompt?: string };
      /** Set when the pause is deeper still, inside a construct of the sub-flow. */
      nested?: unknown;
    };

/**
 * What a construct's run-time effect gets: the data at its state, its compiled sub-flows, and the
 * run's services (walk a sub-flow, record a step, count usage). Effects are the only code that
 * performs I/O; they return the event the machine takes next.
 */
export interface EffectRun {
  readonly data: unknown;
  readonly input: unknown;
  readonly outputs: Readonly<Record<string, unknown>>;
  /** The sub-flows the construct compiled (`compileSeparate`), in the order it compiled them. */
  readonly flows: readonly CompiledFlow[];
  /** The span the construct's own span nests under. */
  readonly span: TraceSpan;
  readonly signal: AbortSignal | undefined;
  /** Set inside a map: the element's index. */
  readonly item: number | undefined;
  /**
   * Runs a compiled sub-flow on `data` to its end, its steps' spans under `span`. `chain` is the
   * chain the sub-flow belongs to when it is another one (a subchain's): its steps' `ctx.chain`.
   * `signal` replaces the run's signal inside the sub-flow (one that also aborts with the run's),
   * for a construct that cancels some of its sub-flows (a parallel whose branch failed).
   */
  runFlow(
    flow: CompiledFlow,
    data: unknown,
    span: TraceSpan,
    options?: { item?: number; input?: unknown; chain?: AnyChain; signal?: AbortSignal },
  ): Promise<FlowEnd>;
  /** Continues a sub-flow paused at a review with the decision. */
  resumeFlow(
    flow: CompiledFlow,
    paused: { state: string; context: unknown; nested?: unknown },
    decision: unknown,
    span: TraceSpan,
    options?: { chain?: AnyChain },
  ): Promise<FlowEnd>;
  /** Adds a record to the run's step list. */
  record(record: StepRecord): void;
  /** Adds tokens and cost to the run's usage. */
  recordUsage(usage: Usage): void;
  /** Throws the run's abort reason (ending `span` with it) when the run was aborted. */
  throwIfAborted(span: TraceSpan): void;
  /** Records the construct's failure (a step record and the run's last error) and gives the event. */
  fail(
    name: string,
    kind: string,
    error: unknown,
    startedAt: number,
    t0: number,
    span: TraceSpan,
  ): ChainMachineEvent;
}

/** Finds the review a compiled flow waits at, from the state it paused in and any deeper pause. */
export type ReviewLookup = (
  flow: CompiledFlow,
  paused: { state: string; nested?: unknown },
) => ReviewNode | undefined;

/** What an effect gives back: the machine's next event, or a pause inside a sub-flow. */
export type EffectResult =
  | ChainMachineEvent
  | {
      type: "pause";
      /** The innermost review, for the run's snapshot and the decision's schema. */
      review: { name: string; prompt?: string };
      /** What the construct needs to continue (plain JSON), handed back to `resume`. */
      nested: unknown;
    };

/**
 * The contract of a flow construct; `N` is its node type, discriminated by `type`, and named by
 * `name` (what graphs and errors call it).
 */
export interface FlowConstruct<N extends { readonly type: string; readonly name: string }> {
  /** The node's `type`: the discriminant of the node union. */
  readonly kind: N["type"];
  /** The nodes it contains, in the order they run: the one tree walk every tool uses. */
  children(node: N): readonly FlowNode[];
  /** What the fingerprint hashes for it; children through `specOf`. */
  spec(node: N, specOf: SpecOf): JsonValue;
  /** Adds its states and transitions to the machine; returns its entry state. */
  compile(node: N, into: MachineBuilder, next: Continuation, onError: TransitionConfig[]): string;
  /** How its children get its input (static checks); absent when they get something else. */
  readonly childInputs?: ChildInputs;
  /** For a `passed` construct that keeps the data and adds its child's output: the key it adds. */
  addedKey?(node: N): string;
  /** The run-time work of its effect states (`{ kind: "effect" }`), returning the next event. */
  effect?(node: N, run: EffectRun): Promise<EffectResult>;
  /** Continues a pause its effect returned, with the reviewer's decision. */
  resume?(node: N, nested: unknown, decision: unknown, run: EffectRun): Promise<EffectResult>;
  /**
   * The review a pause of its effect waits at (for the decision's schema and the snapshot check).
   * `reviewIn` finds the review a compiled flow paused at, given its state and deeper pause: the
   * runner's lookup, so that constructs need not read machines themselves.
   */
  pausedReview?(node: N, nested: unknown, reviewIn: ReviewLookup): ReviewNode | undefined;
  /** What follows the state's name in the Mermaid diagram (e.g. `map x4`). */
  describe?(node: N): string;
}
