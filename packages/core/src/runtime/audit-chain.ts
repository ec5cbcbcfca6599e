import { z } from "zod";
import type { AnyChain } from "../compile/chain.ts";
import { defineChain } from "../compile/define-chain.ts";
import { cascade } from "../flows/cascade.ts";
import type { AnyStep } from "../types.ts";
import type { AuditCandidate, AuditRunFn } from "./audit-candidate.ts";
import type { AuditOptions, AuditOutcome } from "./audit-options.ts";

/** The audit chain of each chain's cascade: made once, on its first audit. */
const auditChains = new WeakMap<AnyChain, Map<string, AnyChain>>();

/**
 * A chain of the cascade's LLM tier alone, under the chain's name and version: its trace reads
 * like the LLM tier's answer to the cascade (`tier` the LLM step, `label`, `confidence`), which is
 * what `catena train --from-traces` and `catena audit report` read.
 */
function auditChainOf(chain: AnyChain, cascadeName: string, auditor: AnyStep): AnyChain {
  let byCascade = auditChains.get(chain);
  if (byCascade === undefined) {
    byCascade = new Map();
    auditChains.set(chain, byCascade);
  }
  let audit = byCascade.get(cascadeName);
  if (audit === undefined) {
    audit = defineChain({
      name: chain.name,
      version: chain.version,
      description: `Audit of cascade "${cascadeName}" of ${chain.id}: its LLM tier "${auditor.name}" alone.`,
      input: z.unknown(),
      output: z.unknown(),
      flow: cascade(cascadeName, [{ step: auditor as never, threshold: 0 }]) as never,
      metadata: chain.metadata,
    }) as AnyChain;
    byCascade.set(cascadeName, audit);
  }
  return audit;
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
  const { chain, cascade: cascadeName, tier, answer, auditor } = candidate;
  const {
    shadow: _shadow,
    onToken: _onToken,
    runId: _runId,
    audit: _audit,
    timeoutMs: _timeoutMs,
    trace,
    ...rest
  } = candidate.options;
  const result = await run(auditChainOf(chain, cascadeName, auditor), candidate.input, {
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
      ...candidate.options.metadata,
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
  const said = (result.output as { label?: unknown } | undefined)?.label;
  const outcome: AuditOutcome = {
    runId: candidate.runId,
    auditRunId: result.runId,
    cascade: cascadeName,
    tier,
    label: answer.label,
    confidence: answer.confidence,
    auditTier: auditor.name,
    ...(typeof said === "string" ? { auditLabel: said, agreed: said === answer.label } : {}),
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
