import { z } from "zod";
import type { AnyChain } from "../compile/chain.ts";
import { defineChain } from "../compile/define-chain.ts";
import type { CascadeNode } from "../types.ts";
import type { AuditCandidate, AuditRunFn } from "./audit-candidate.ts";
import type { AuditOptions, AuditOutcome, TierAudit } from "./audit-options.ts";
import { backgroundRunOptions } from "./background-draw.ts";

/**
 * The audit chain of each chain's cascade, made once on its first audit: keyed by the cascade's
 * `TierAudit` (one per compiled cascade), not its name — a subchain's cascade of the same name has
 * another LLM tier.
 */
const auditChains = new WeakMap<AnyChain, WeakMap<TierAudit, AnyChain>>();

/**
 * A chain of the cascade's LLM tier alone, under the chain's name and version: its trace reads
 * like the LLM tier's answer to the cascade (`tier` the LLM step, `label`, `confidence`, and
 * `accepted`: whether it clears the LLM tier's own threshold or accept predicate), which is what
 * `catena train --from-traces` and `catena audit report` read. An accept predicate is given the
 * audit run's scope (the tier's input as the chain's input), not the audited run's.
 */
function auditChainOf(chain: AnyChain, cascadeName: string, audit: TierAudit): AnyChain {
  let byCascade = auditChains.get(chain);
  if (byCascade === undefined) {
    byCascade = new WeakMap();
    auditChains.set(chain, byCascade);
  }
  let auditChain = byCascade.get(audit);
  if (auditChain === undefined) {
    // The node as plain data: the LLM tier as the cascade has it (threshold, accept), answering
    // with its best when it is not accepted (the answer's `accepted` says which).
    const flow: CascadeNode = {
      type: "cascade",
      name: cascadeName,
      tiers: [audit.auditor],
      onExhausted: "best",
    };
    auditChain = defineChain({
      name: chain.name,
      version: chain.version,
      description: `Audit of cascade "${cascadeName}" of ${chain.id}: its LLM tier "${audit.auditor.step.name}" alone.`,
      input: z.unknown(),
      output: z.unknown(),
      flow,
      metadata: chain.metadata,
    });
    byCascade.set(audit, auditChain);
  }
  return auditChain;
}

/**
 * Runs the audit: the LLM tier on the tier's input, traced with the `audit` tag and, in its
 * metadata, the audited run (`audit_of`), the cheap tier's answer (`audit_tier`, `audit_label`,
 * `audit_confidence`) and the probability it had of being audited (`audit_probability`). Then
 * tells `onAudit`. Never rejects: a failed audit is traced and reported as `status: "error"`.
 */
export async function runAudit(
  run: AuditRunFn,
  candidate: AuditCandidate,
  options: AuditOptions,
  probability: number,
): Promise<void> {
  const { chain, cascade: cascadeName, tier, answer, audit } = candidate;
  const { trace, ...rest } = backgroundRunOptions(candidate.options);
  const result = await run(auditChainOf(chain, cascadeName, audit), candidate.input, {
    ...rest,
    timeoutMs: options.timeoutMs ?? 30_000,
    ...(trace === undefined
      ? {}
      : {
          trace: {
            ...(trace.project === undefined ? {} : { project: trace.project }),
            ...(trace.tags === undefined ? {} : { tags: trace.tags }),
          },
        }),
    metadata: {
      ...withoutShadowKeys(candidate.options.metadata),
      audit: true,
      audit_of: candidate.runId,
      audit_cascade: cascadeName,
      audit_tier: tier,
      audit_label: answer.label,
      audit_confidence: answer.confidence,
      audit_probability: probability,
    },
  }).catch(() => undefined);
  if (result === undefined || options.onAudit === undefined) return;
  const output = result.output as { label?: unknown; accepted?: unknown } | undefined;
  const said = output?.label;
  const outcome: AuditOutcome = {
    runId: candidate.runId,
    auditRunId: result.runId,
    cascade: cascadeName,
    tier,
    label: answer.label,
    confidence: answer.confidence,
    auditTier: audit.auditor.step.name,
    ...(typeof said === "string"
      ? { auditLabel: said, agreed: said === answer.label, auditAccepted: output?.accepted === true }
      : {}),
    probability,
    status: result.status,
    usage: result.usage,
    ms: result.ms,
  };
  try {
    options.onAudit(outcome);
  } catch {
    // A listener's failure is its own: the run and its audit are done.
  }
}

/**
 * The audited run's metadata without a shadow run's keys: an audit is not a shadow run (shadow runs
 * start no audits, but a caller's metadata may carry the keys), and the shadow report must not count it.
 */
function withoutShadowKeys(metadata: Record<string, unknown> | undefined): Record<string, unknown> {
  if (metadata === undefined) return {};
  return Object.fromEntries(Object.entries(metadata).filter(([k]) => !k.startsWith("shadow")));
}
