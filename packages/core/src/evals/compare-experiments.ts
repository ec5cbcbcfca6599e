import { canonicalJson } from "../versioning/canonical-json.ts";
import { numericScore } from "./evaluator.ts";
import { type ExperimentSummary, experimentMetrics, summarizeExperiment } from "./experiment-summary.ts";
import { type McNemarResult, mcnemarExact } from "./mcnemar-test.ts";
import { type PairedBootstrapResult, pairedBootstrap } from "./paired-bootstrap.ts";
import type { ExperimentRow, ExperimentRun } from "./run-experiment.ts";

/** One example whose output or score changed between the two versions. */
export interface ChangedExample {
  exampleId: string;
  inputs: Readonly<Record<string, unknown>>;
  /** `regression`: the score went down (right before, wrong now); `improvement`: up; `changed`: same score, other output. */
  change: "regression" | "improvement" | "changed";
  before: ChangedSide;
  after: ChangedSide;
}

/** One version's run of a changed example: its score, output, status, and its evaluator's comment. */
export interface ChangedSide {
  score: number | null;
  output: unknown;
  /** The run's status: a run that did not end `done` has no output. */
  status: ExperimentRow["status"];
  /** Error code of a failed run (see {@link ExperimentRow.error}). */
  error?: string;
  /** The step that failed, when a step did. */
  failedStep?: string;
  comment?: string;
}

/** Two versions measured on the same examples. */
export interface Comparison {
  /** The evaluator compared on (the first one by default). */
  key: string;
  a: ExperimentSummary;
  b: ExperimentSummary;
  /** Examples both versions ran. */
  paired: number;
  /** Regressions first, then improvements, then other changes. */
  changed: ChangedExample[];
  regressions: number;
  improvements: number;
  /** McNemar's exact test on right/wrong (score 1 = right). */
  mcnemar: McNemarResult;
  /** Paired bootstrap of the mean score difference (b − a). */
  bootstrap: PairedBootstrapResult;
  /**
   * b − a. `costUsd` is per run and what was spent, as everywhere (`cost` is what was spent);
   * `uncachedCostUsd` per run at uncached prices (see {@link uncachedUsd}), which does not depend
   * on which version found its answers in the LLM response cache.
   */
  deltas: {
    scoreMean: number;
    costUsd: number;
    uncachedCostUsd: number;
    p50Ms: number;
    p95Ms: number;
    llmShare: number;
  };
}

/**
 * Compares two versions' experiments on the same dataset: examples matched by id (first pass only),
 * the changed ones with regressions first, McNemar's exact test and a paired bootstrap on the
 * difference, and the deltas in score, cost, latency and LLM-call share (b − a).
 *
 * @example
 * const c = compareExperiments(await runExperiment(v1, data, o), await runExperiment(v2, data, o));
 * c.regressions; c.mcnemar.pValue;
 */
export function compareExperiments(
  a: ExperimentRun,
  b: ExperimentRun,
  options: { key?: string; tierOrder?: readonly string[] } = {},
): Comparison {
  const sa = summarizeExperiment(a, options.tierOrder);
  const sb = summarizeExperiment(b, options.tierOrder);
  const key = options.key ?? sa.primary ?? sb.primary ?? "";
  const first = (rows: readonly ExperimentRow[]) =>
    new Map(rows.filter((r) => r.repeat === 0).map((r) => [r.exampleId, r]));
  const before = first(a.rows);
  const after = first(b.rows);
  const changed: ChangedExample[] = [];
  const scoresA: number[] = [];
  const scoresB: number[] = [];
  let regressions = 0;
  let improvements = 0;
  let paired = 0;
  for (const [id, ra] of before) {
    const rb = after.get(id);
    if (rb === undefined) continue;
    paired++;
    const xa = ra.results.find((r) => r.key === key);
    const xb = rb.results.find((r) => r.key === key);
    const sa0 = numericScore(xa?.score ?? null);
    const sb0 = numericScore(xb?.score ?? null);
    if (sa0 !== null && sb0 !== null) {
      scoresA.push(sa0);
      scoresB.push(sb0);
    }
    const rightA = sa0 === 1;
    const rightB = sb0 === 1;
    if (rightA && !rightB) regressions++;
    if (!rightA && rightB) improvements++;
    const change =
      (sa0 ?? 0) > (sb0 ?? 0)
        ? "regression"
        : (sa0 ?? 0) < (sb0 ?? 0)
          ? "improvement"
          : canonicalJson(ra.output ?? null) !== canonicalJson(rb.output ?? null)
            ? "changed"
            : undefined;
    if (change === undefined) continue;
    changed.push({
      exampleId: id,
      inputs: rb.inputs,
      change,
      before: changedSide(ra, sa0, xa?.comment),
      after: changedSide(rb, sb0, xb?.comment),
    });
  }
  const rank = { regression: 0, improvement: 1, changed: 2 } as const;
  changed.sort((x, y) => rank[x.change] - rank[y.change]);
  const perRun = (s: ExperimentSummary, usd: number) => (s.runs === 0 ? 0 : usd / s.runs);
  const mean = (s: ExperimentSummary) => s.evaluators.find((e) => e.key === key)?.mean ?? Number.NaN;
  return {
    key,
    a: sa,
    b: sb,
    paired,
    changed,
    regressions,
    improvements,
    mcnemar: mcnemarExact(regressions, improvements),
    bootstrap: pairedBootstrap(scoresA, scoresB),
    deltas: {
      scoreMean: mean(sb) - mean(sa),
      costUsd: perRun(sb, sb.cost.totalUsd) - perRun(sa, sa.cost.totalUsd),
      uncachedCostUsd: perRun(sb, uncachedUsd(sb)) - perRun(sa, uncachedUsd(sa)),
      p50Ms: sb.latency.p50Ms - sa.latency.p50Ms,
      p95Ms: sb.latency.p95Ms - sa.latency.p95Ms,
      llmShare: sb.llmShare - sa.llmShare,
    },
  };
}

/**
 * What a version's runs cost at uncached prices: what was spent plus what the answers served from
 * the LLM response cache would have cost. Versions are compared on it, so that the one that found
 * its answers in the cache does not look cheaper.
 */
export function uncachedUsd(s: ExperimentSummary): number {
  return s.cost.totalUsd + s.cost.cachedUsd;
}

/**
 * The metrics a compare gate can test: the new version's own metrics (`accuracy`, evaluator keys,
 * `cost`, `uncached_cost`, ...) plus `regressions`, `improvements`, `p_value`, `accuracy_delta`,
 * `cost_delta`, `uncached_cost_delta`, `p95_delta`. As in `catena eval`, a name without
 * `uncached` is what was spent; the two deltas are per run, b − a (see {@link Comparison.deltas}).
 */
export function comparisonMetrics(c: Comparison): Record<string, number> {
  return {
    ...experimentMetrics(c.b),
    regressions: c.regressions,
    improvements: c.improvements,
    p_value: c.mcnemar.pValue,
    accuracy_delta: c.deltas.scoreMean,
    cost_delta: c.deltas.costUsd,
    uncached_cost_delta: c.deltas.uncachedCostUsd,
    p95_delta: c.deltas.p95Ms,
  };
}

function changedSide(row: ExperimentRow, score: number | null, comment: string | undefined): ChangedSide {
  return {
    score,
    output: row.output,
    status: row.status,
    ...(row.error === undefined ? {} : { error: row.error }),
    ...(row.failedStep === undefined ? {} : { failedStep: row.failedStep }),
    ...(comment === undefined ? {} : { comment }),
  };
}
