import type { AnyChain } from "../compile/chain.ts";
import type { LabelResult } from "../types.ts";
import type { TierAudit } from "./audit-options.ts";
import type { RunOptions, RunResult } from "./run-types.ts";

/** A cheap tier's accepted answer, which the run may audit once it has ended. */
export interface AuditCandidate {
  chain: AnyChain;
  runId: string;
  cascade: string;
  tier: string;
  threshold: number;
  /** What the tier was given (the cascade's input): the LLM tier is given the same. */
  input: unknown;
  answer: LabelResult & { label: string };
  /** The cascade's LLM tier and its own audit options (the run's `audit` goes over them). */
  audit: TierAudit;
  options: RunOptions;
}

/** `run`, handed in by the runner (the audit modules do not import it: it imports them). */
export type AuditRunFn = (
  chain: AnyChain,
  input: unknown,
  options: RunOptions,
) => Promise<RunResult<unknown>>;
