import type { SerializedError } from "../errors/catena-error.ts";
import type { LabelResult } from "../types.ts";

/** The best answer a cascade has seen so far, and from which tier. */
export interface TierAnswer {
  tier: string;
  result: LabelResult;
}

/** What a cascade remembers while its tiers run. */
export interface CascadeState {
  best: TierAnswer | null;
  errors: Array<{ tier: string; error: SerializedError }>;
}

/** Why a run ended deferred: which cascade, its best guess and the tier errors. */
export interface DeferredInfo {
  cascade: string;
  best: TierAnswer | null;
  errors: Array<{ tier: string; error: SerializedError }>;
}

/**
 * The context of a chain's machine. It is plain JSON (as long as step outputs are), which is what
 * lets a paused run be persisted and resumed in another process.
 */
export interface ChainMachineContext {
  input: unknown;
  /** The value flowing through the chain: the last step's output. */
  data: unknown;
  outputs: Record<string, unknown>;
  /** Data at the entry of assign and retry regions, by region name. */
  saved: Record<string, unknown>;
  /** Failed attempts so far, by retry region. */
  attempts: Record<string, number>;
  cascades: Record<string, CascadeState>;
  error: SerializedError | null;
  deferred: DeferredInfo | null;
}

/** Events the runner sends to a chain's machine. */
export type ChainMachineEvent =
  | { type: "step.done"; output: unknown }
  | { type: "step.error"; error: SerializedError }
  | { type: "delay.done" }
  | { type: "review.decision"; decision: unknown };

/**
 * Empty starting values of the context's copy-on-write records: every action replaces `saved`,
 * `attempts` and `cascades` with a new object rather than writing into them, so runs can start from
 * one shared, frozen empty object each instead of allocating three per run. (`outputs` is written in
 * place, so each run gets its own.)
 */
const NO_SAVED: Record<string, unknown> = Object.freeze({});
const NO_ATTEMPTS: Record<string, number> = Object.freeze({});
const NO_CASCADES: Record<string, CascadeState> = Object.freeze({});

/** The context a run starts from. */
export function initialContext(input: unknown): ChainMachineContext {
  return {
    input,
    data: input,
    outputs: {},
    saved: NO_SAVED,
    attempts: NO_ATTEMPTS,
    cascades: NO_CASCADES,
    error: null,
    deferred: null,
  };
}
