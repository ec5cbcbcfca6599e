/** A traced run as the shadow report reads it (a `TracedInput` from `listTracedInputs`). */
export interface ShadowReportRun {
  runId: string;
  text: string;
  status: string;
  tier?: string;
  label?: string;
  version?: string;
  ms?: number;
  costUsd?: number;
  outputs?: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/** Agreement of one group of pairs. */
export interface Agreement {
  pairs: number;
  agree: number;
  rate: number;
}

/** A pair where the candidate answered otherwise. */
export interface ShadowDisagreement {
  runId: string;
  shadowRunId: string;
  text: string;
  tier?: string;
  current: unknown;
  candidate: unknown;
}

/** What {@link shadowReport} found. */
export interface ShadowReport {
  /** Current runs with a shadow run, and shadow runs whose current run was not found (outside the window). */
  pairs: number;
  unpaired: number;
  versions: { current: string[]; candidate: string[] };
  agreement: Agreement;
  /** By the tier that answered in the current version. */
  byTier: Record<string, Agreement>;
  /** By the current version's label (or its whole answer, when it has no label). */
  byLabel: Record<string, Agreement>;
  /** Candidate minus current, over the pairs where both are known. */
  latencyMs: { current: number; candidate: number; delta: number };
  costUsd: { current: number; candidate: number; delta: number };
  disagreements: ShadowDisagreement[];
}

/**
 * Pairs shadow runs (metadata `shadow_of`) with the runs they shadowed and compares their answers:
 * the `label` when both have one, else the whole output (and the status). Agreement overall, per
 * tier and per label, mean latency and total cost of each side, and every disagreement.
 *
 * @example
 * const report = shadowReport(await listTracedInputs({ chain: "banking-intents", since }));
 */
export function shadowReport(runs: readonly ShadowReportRun[]): ShadowReport {
  const byId = new Map(runs.map((r) => [r.runId, r]));
  // An audit is not a shadow run, whatever metadata it carried over from the run it audits.
  const shadows = runs.filter(
    (r) =>
      r.metadata.shadow === true && typeof r.metadata.shadow_of === "string" && r.metadata.audit !== true,
  );
  const byTier: Record<string, Agreement> = {};
  const byLabel: Record<string, Agreement> = {};
  const total: Agreement = { pairs: 0, agree: 0, rate: 0 };
  const latency = { current: 0, candidate: 0, n: 0 };
  const cost = { current: 0, candidate: 0 };
  const versions = { current: new Set<string>(), candidate: new Set<string>() };
  const disagreements: ShadowDisagreement[] = [];
  let unpaired = 0;
  for (const shadow of shadows) {
    const current = byId.get(shadow.metadata.shadow_of as string);
    if (current === undefined) {
      unpaired++;
      continue;
    }
    const a = answerOf(current);
    const b = answerOf(shadow);
    const agree = JSON.stringify(a) === JSON.stringify(b);
    for (const group of [
      total,
      tally(byTier, current.tier ?? "(none)"),
      tally(byLabel, current.label ?? JSON.stringify(a)),
    ]) {
      group.pairs++;
      if (agree) group.agree++;
      group.rate = group.agree / group.pairs;
    }
    if (current.version !== undefined) versions.current.add(current.version);
    if (shadow.version !== undefined) versions.candidate.add(shadow.version);
    if (current.ms !== undefined && shadow.ms !== undefined) {
      latency.current += current.ms;
      latency.candidate += shadow.ms;
      latency.n++;
    }
    cost.current += current.costUsd ?? 0;
    cost.candidate += shadow.costUsd ?? 0;
    if (!agree)
      disagreements.push({
        runId: current.runId,
        shadowRunId: shadow.runId,
        text: current.text,
        ...(current.tier === undefined ? {} : { tier: current.tier }),
        current: a,
        candidate: b,
      });
  }
  const mean = (sum: number) => (latency.n === 0 ? 0 : sum / latency.n);
  return {
    pairs: total.pairs,
    unpaired,
    versions: { current: [...versions.current].sort(), candidate: [...versions.candidate].sort() },
    agreement: total,
    byTier,
    byLabel,
    latencyMs: {
      current: mean(latency.current),
      candidate: mean(latency.candidate),
      delta: mean(latency.candidate) - mean(latency.current),
    },
    costUsd: { ...cost, delta: cost.candidate - cost.current },
    disagreements,
  };
}

function tally(groups: Record<string, Agreement>, key: string): Agreement {
  groups[key] ??= { pairs: 0, agree: 0, rate: 0 };
  return groups[key];
}

/** What is compared: the label when there is one, else the status and the whole output. */
function answerOf(run: ShadowReportRun): unknown {
  if (run.label !== undefined) return run.label;
  return { status: run.status, outputs: run.outputs ?? null };
}
