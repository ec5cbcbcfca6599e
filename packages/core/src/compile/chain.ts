/*
 * The types of a chain, apart from `defineChain` that builds one: constructs that hold a chain (a
 * subchain) and the run-time contract name them without loading the compiler, which loads them.
 */
import type { AnyStateMachine } from "xstate";
import type { z } from "zod";
import type { Flow } from "../flows/flow-types.ts";
import type { AnyStep, FlowNode, JsonValue } from "../types.ts";
import type { CompiledFlow } from "./compiled-flow.ts";

/** What `defineChain` takes. */
export interface ChainDefinition<
  TInputSchema extends z.ZodType,
  TOutputSchema extends z.ZodType,
  TDecision = never,
> {
  name: string;
  /** Semantic version; bump it whenever the fingerprint changes. */
  version: string;
  description?: string;
  input: TInputSchema;
  output: TOutputSchema;
  /**
   * What the chain runs: it must take what the input schema gives and give what the output schema
   * accepts, which the compiler checks (a mismatch is an error at `flow`).
   */
  flow: Flow<z.output<TInputSchema>, z.input<TOutputSchema>, TDecision>;
  /** Free-form metadata carried into traces (owner, project, ...). */
  metadata?: Record<string, JsonValue>;
  /** Example inputs, shown by `catena describe` and used by smoke tests. */
  examples?: readonly z.input<TInputSchema>[];
}

/**
 * A compiled, versioned chain: its machine, its fingerprint, and what it accepts and returns.
 * `TInput` is what `run` takes (the input schema's input), `TOutput` what it returns, and
 * `TDecision` what `resume` takes (the union of its reviews' decisions).
 */
export interface Chain<TInput = unknown, TOutput = unknown, TDecision = unknown> {
  readonly name: string;
  readonly version: string;
  /** `name@version`. */
  readonly id: string;
  readonly description: string;
  readonly input: z.ZodType<unknown, TInput>;
  readonly output: z.ZodType<TOutput, unknown>;
  readonly flow: FlowNode;
  /** The xstate v5 machine the flow compiles to; the runner walks its transitions. */
  readonly machine: AnyStateMachine;
  /** SHA-256 of everything that changes the chain's behaviour (computed on first read). */
  readonly fingerprint: string;
  /** Every step, in definition order (map sub-flows included). */
  readonly steps: readonly AnyStep[];
  readonly metadata: Readonly<Record<string, JsonValue>>;
  readonly examples: readonly TInput[];
  /** @internal The compiled flow the runner drives. */
  readonly compiled: CompiledFlow;
  /** The machine as a Mermaid state diagram. */
  toMermaid(): string;
  /** The canonical, behaviour-defining description that the fingerprint hashes. */
  spec(): JsonValue;
  /** Type-level only: the decisions the chain's reviews wait for. */
  readonly "~decision"?: () => TDecision;
}

/** Any chain, whatever its input and output. */
// biome-ignore lint/suspicious/noExplicitAny: a chain of any input is only ever passed on, never read through this alias
export type AnyChain = Chain<any, any, any>;
/** The input type of a chain: what `run` takes. */
export type InputFrom<TChain> = TChain extends Chain<infer I, unknown, unknown> ? I : never;
/** The output type of a chain: what a done run gives. */
export type OutputFrom<TChain> = TChain extends Chain<never, infer O, unknown> ? O : never;
/** The decisions a chain's reviews wait for: what `resume` takes. */
export type DecisionFrom<TChain> = TChain extends { readonly "~decision"?: () => infer D } ? D : never;
