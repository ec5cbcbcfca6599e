import { wilsonInterval } from "../calibrate/normal-quantile.ts";
import { AuditOptionsError } from "../errors/errors.ts";

/** A traced run as the audit report reads it (a `TracedInput` from `listTracedInputs`). */
export interface AuditReportRun {
  runId: string;
  text: string;
  status: string;
  label?: string;
  version?: string;
  costUsd?: number;
  /** The audit's answer: its `accepted` says whether the LLM tier's own threshold was cleared. */
  outputs?: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/** The measured precision of one cheap tier (or of all of them), from its audits. */
export interface AuditedPrecision {
  /** Audits of its answers, and those the LLM tier answered (a failed audit measures nothing). */
  audits: number;
  answered: number;
  /** Answered audits where the LLM tier gave the cheap tier's label. */
  agreed: number;
  /**
   * The share of its answers the LLM tier agrees with, each audit weighted by 1 / the probability
   * it had of being audited (so `pick: "uncertain"` does not bias it low); null with no answered audit.
   */
  precision: number | null;
  /** Wilson's interval at the report's `level` over the effective number of audits; null with none. */
  interval: { low: number; high: number } | null;
  /** Kish's effective sample size of the weighted audits: `answered` when every weight is equal. */
  effectiveN: number;
}

/** An audit where the LLM tier gave another label than the cheap tier that answered. */
export interface AuditDisagreement {
  /** The audited run and the audit's own run. */
  runId: string;
  auditRunId: string;
  text: string;
  /** The cheap tier, keyed as in `byTier` (`cascade/tier`). */
  tier: string;
  label: string;
  confidence?: number;
  llmLabel: string;
}

/** What {@link auditReport} found. */
export interface AuditReport {
  /** Confidence level of the intervals. */
  level: number;
  /** Audit runs read, and those that failed (an error or no label: not counted in the precision). */
  audits: number;
  failed: number;
  /**
   * Audits whose LLM answer did not clear the LLM tier's own threshold (or accept predicate): the
   * cascade would not have served it either, so it is no label and not counted in the precision.
   */
  unaccepted: number;
  /** What the audits cost, apart from the chain's own runs. */
  costUsd: number;
  /** Versions of the chain whose answers were audited. */
  versions: string[];
  /**
   * All cheap tiers together, and each on its own, keyed `cascade/tier` (two cascades may have
   * tiers of the same name; an audit traced without its cascade is keyed by the tier alone).
   */
  overall: AuditedPrecision;
  byTier: Record<string, AuditedPrecision>;
  disagreements: AuditDisagreement[];
}

/**
 * The cheap tiers' precision measured by audits (runs with metadata `audit`, from `run`/`batch
 * --audit`): per tier, the weighted share of its audited answers the LLM tier agreed with, and
 * Wilson's interval at `level` (default 0.95). It is agreement with the LLM: where the LLM is wrong,
 * the measure is too (a person's corrections are the ground truth, not this).
 *
 * @example
 * const report = auditReport(await listTracedInputs({ chain: "banking-intents", since }));
 */
export function auditReport(runs: readonly AuditReportRun[], options: { level?: number } = {}): AuditReport {
  const level = options.level ?? 0.95;
  if (!(level > 0.5 && level < 1))
    throw new AuditOptionsError(
      `auditReport: level must be a confidence level above 0.5 and below 1 (like 0.95), got ${String(level)}.`,
      { details: { option: "level", value: String(level) } },
    );
  const sums = new Map<string, Sums>();
  const overall = newSums();
  const versions = new Set<string>();
  const disagreements: AuditDisagreement[] = [];
  let audits = 0;
  let failed = 0;
  let unaccepted = 0;
  let costUsd = 0;
  for (const run of runs) {
    const m = run.metadata;
    if (m.audit !== true || typeof m.audit_tier !== "string" || typeof m.audit_label !== "string") continue;
    audits++;
    costUsd += run.costUsd ?? 0;
    if (run.version !== undefined) versions.add(run.version);
    const tier = typeof m.audit_cascade === "string" ? `${m.audit_cascade}/${m.audit_tier}` : m.audit_tier;
    let group = sums.get(tier);
    if (group === undefined) {
      group = newSums();
      sums.set(tier, group);
    }
    group.audits++;
    overall.audits++;
    if (run.status !== "done" || run.label === undefined) {
      failed++;
      continue;
    }
    if (run.outputs?.accepted === false) {
      unaccepted++;
      continue;
    }
    const p = typeof m.audit_probability === "number" && m.audit_probability > 0 ? m.audit_probability : 1;
    const agreed = run.label === m.audit_label;
    for (const s of [group, overall]) add(s, 1 / p, agreed);
    if (!agreed)
      disagreements.push({
        runId: typeof m.audit_of === "string" ? m.audit_of : "",
        auditRunId: run.runId,
        text: run.text,
        tier,
        label: m.audit_label,
        ...(typeof m.audit_confidence === "number" ? { confidence: m.audit_confidence } : {}),
        llmLabel: run.label,
      });
  }
  const byTier = Object.fromEntries(
    [...sums].sort(([a], [b]) => (a < b ? -1 : 1)).map(([tier, s]) => [tier, precisionOf(s, level)]),
  );
  return {
    level,
    audits,
    failed,
    unaccepted,
    costUsd,
    versions: [...versions].sort(),
    overall: precisionOf(overall, level),
    byTier,
    disagreements,
  };
}

interface Sums {
  audits: number;
  answered: number;
  agreed: number;
  weight: number;
  weightSquared: number;
  agreedWeight: number;
}

function newSums(): Sums {
  return { audits: 0, answered: 0, agreed: 0, weight: 0, weightSquared: 0, agreedWeight: 0 };
}

function add(s: Sums, weight: number, agreed: boolean): void {
  s.answered++;
  s.weight += weight;
  s.weightSquared += weight * weight;
  if (agreed) {
    s.agreed++;
    s.agreedWeight += weight;
  }
}

function precisionOf(s: Sums, level: number): AuditedPrecision {
  if (s.answered === 0)
    return { audits: s.audits, answered: 0, agreed: 0, precision: null, interval: null, effectiveN: 0 };
  const precision = s.agreedWeight / s.weight;
  const effectiveN = (s.weight * s.weight) / s.weightSquared;
  return {
    audits: s.audits,
    answered: s.answered,
    agreed: s.agreed,
    precision,
    interval: wilsonInterval(precision, effectiveN, level),
    effectiveN,
  };
}
