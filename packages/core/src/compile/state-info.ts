import type { TierAudit } from "../runtime/audit-options.ts";
import type { AnyStep, FlowNode, RetryNode, ReviewNode } from "../types.ts";
import type { CompiledFlow } from "./compiled-flow.ts";

/** Names of the final states every chain machine may end in. */
export const FINAL_STATES = { done: "$done", failed: "$failed", deferred: "$deferred" } as const;

/**
 * What the runner does in a state, stored in the state's `meta.catena`. The machine decides where
 * to go; this says which effect to perform while there. `effect` states hand the work to their
 * construct's `effect` (a map's fan-out, a parallel's branches, a subchain's run).
 */
export type StateInfo =
  | {
      kind: "step";
      step: AnyStep;
      cascade?: string;
      tier?: string;
      threshold?: number;
      retry?: string;
      /** A cheap tier of a cascade with an LLM tier: its accepted answers may be audited. */
      audit?: TierAudit;
    }
  | { kind: "delay"; retry: RetryNode }
  | { kind: "effect"; node: FlowNode; flows: readonly CompiledFlow[] }
  | { kind: "review"; review: ReviewNode }
  | { kind: "branch" }
  | { kind: "final"; outcome: "done" | "failed" | "deferred" };
