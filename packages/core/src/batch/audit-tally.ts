import type { AuditOutcome } from "../runtime/audit-options.ts";
import { addUsage } from "../runtime/run-step.ts";
import type { BatchAudits } from "./batch-types.ts";

/** Counts a batch's audits as they end (see `BatchSummary.audits`). */
export function auditTally(): { summary: BatchAudits; add(a: AuditOutcome): void } {
  const summary: BatchAudits = {
    calls: 0,
    agreed: 0,
    disagreed: 0,
    failed: 0,
    byTier: {},
    usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
  };
  return {
    summary,
    add(a: AuditOutcome): void {
      summary.calls++;
      const key = `${a.cascade}/${a.tier}`;
      const tier = summary.byTier[key] ?? { calls: 0, agreed: 0 };
      summary.byTier[key] = tier;
      tier.calls++;
      if (a.agreed === true) {
        summary.agreed++;
        tier.agreed++;
      } else if (a.agreed === false) summary.disagreed++;
      else summary.failed++;
      addUsage(summary.usage, a.usage);
    },
  };
}
