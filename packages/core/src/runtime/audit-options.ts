import { AuditOptionsError } from "../errors/errors.ts";
import type { AuditPick, CascadeAuditOptions, CascadeTier, Usage } from "../types.ts";

/**
 * Audit sampling of a run (`run(chain, input, { audit })`, `runBatch`): over the cascade's own
 * {@link CascadeAuditOptions}, field by field; `share` turns audits on for a cascade that has none.
 *
 * Each audit is a trace of its own under the chain's name and version, tagged `audit`, whose output
 * is the LLM tier's answer (`label`, `confidence`, `tier`) and whose metadata links it to the
 * audited run (`audit_of`, `audit_cascade`) and holds the cheap tier's answer (`audit_tier`,
 * `audit_label`, `audit_confidence`) and its chance of being audited (`audit_probability`). Not a
 * span inside the audited run's trace: that trace has ended by the time the LLM answers (the run
 * never waits), and a root run is what LangSmith's and the studio's run lists, filters and feedback
 * take as they are.
 */
export interface AuditOptions extends CascadeAuditOptions {
  /**
   * Called when an audit ends (after the run's own result: an audit never delays it), with what
   * the LLM tier said. A listener's throw is ignored.
   */
  onAudit?: (audit: AuditOutcome) => void;
}

/** One audit: a cheap tier's accepted answer and what the cascade's LLM tier said on the same input. */
export interface AuditOutcome {
  /** The audited run (its trace is not changed; the audit's trace links to it by `audit_of`). */
  runId: string;
  /** The audit's own run, traced with the `audit` tag. */
  auditRunId: string;
  cascade: string;
  /** The cheap tier that answered, its label and confidence. */
  tier: string;
  label: string;
  confidence: number;
  /** The tier that audited (the cascade's LLM tier) and its label, when it gave one. */
  auditTier: string;
  auditLabel?: string;
  /** Whether the LLM tier gave the cheap tier's label (absent when it gave none). */
  agreed?: boolean;
  /**
   * Whether the LLM tier's answer clears its own threshold or accept predicate in the cascade (absent
   * when it gave none). An answer it would not have accepted is no label: `catena audit report` and
   * `train --from-traces` leave it out.
   */
  auditAccepted?: boolean;
  /** The probability this answer had of being audited (weights it in a precision estimate: 1/p). */
  probability: number;
  /**
   * The audit run's status: `deferred` when the LLM call failed (the one-tier audit cascade defers
   * when its last tier fails), `error` when it ran past `timeoutMs`; either way no `auditLabel`.
   */
  status: "done" | "deferred" | "waiting" | "error";
  /** What the audit spent: counted apart from the chain's own runs. */
  usage: Usage;
  ms: number;
}

/** What a cascade's tier state carries so that the run can audit it (set by the cascade's compile). */
export interface TierAudit {
  /**
   * The cascade's LLM tier, which audits the cheap tiers' accepted answers: its step, and its own
   * threshold or accept predicate (whether the LLM's answer would have been accepted).
   */
  auditor: CascadeTier;
  /** The cascade's own audit options, if it has any. */
  defaults?: CascadeAuditOptions;
}

const PICKS: readonly AuditPick[] = ["random", "uncertain"];

/**
 * Refuses audit options that cannot work, with `INVALID_AUDIT_OPTIONS` naming the option and the
 * fix: a share outside (0, 1] (a share of 0 would silently audit nothing; 30 meant as 30% would be
 * refused too), an unknown pick, a timeout that is not a number > 0. `where` names the caller.
 */
export function checkAuditOptions(options: unknown, where: string): void {
  if (options === undefined) return;
  if (options === null || typeof options !== "object")
    throw new AuditOptionsError(
      `${where}: audit must be an object like { share: 0.1 }, got ${String(options)}.`,
      {
        details: { option: "audit", value: String(options) },
      },
    );
  const { share, pick, timeoutMs, seed } = options as Record<string, unknown>;
  if (share !== undefined && !(typeof share === "number" && share > 0 && share <= 1)) {
    const hint =
      typeof share === "number" && share > 1 && share <= 100 ? ` (for ${share}%, write ${share / 100})` : "";
    throw new AuditOptionsError(
      `${where}: audit.share must be a number above 0 and at most 1${hint}, got ${String(share)}; leave audit out to audit nothing.`,
      { details: { option: "audit.share", value: String(share) } },
    );
  }
  if (pick !== undefined && !PICKS.includes(pick as AuditPick))
    throw new AuditOptionsError(
      `${where}: audit.pick must be "random" or "uncertain", got ${JSON.stringify(pick)}.`,
      { details: { option: "audit.pick", value: String(pick) } },
    );
  if (timeoutMs !== undefined && !(typeof timeoutMs === "number" && timeoutMs > 0))
    throw new AuditOptionsError(
      `${where}: audit.timeoutMs must be a number of milliseconds above 0, got ${String(timeoutMs)}.`,
      { details: { option: "audit.timeoutMs", value: String(timeoutMs) } },
    );
  if (seed !== undefined && typeof seed !== "string" && typeof seed !== "number")
    throw new AuditOptionsError(`${where}: audit.seed must be a string or a number, got ${typeof seed}.`, {
      details: { option: "audit.seed", value: String(seed) },
    });
}
