import { canonicalJson } from "../versioning/canonical-json.ts";
import { type MeanWithInterval, meanWithInterval, quantile } from "./confidence-interval.ts";
import { numericScore } from "./evaluator.ts";
import type { ExperimentRun } from "./run-experiment.ts";

/** One evaluator's mean score over the experiment's runs, with its 95 % interval. */
export interface EvaluatorSummary extends MeanWithInterval {
  key: string;
  /** Runs the evaluator could not score (no reference, no output, judge failure). */
  unscored: number;
}

/** One tier: how many runs it answered and how good those answers were (by the primary evaluator). */
export interface TierSummary {
  tier: string;
  answered: number;
  coverage: number;
  precision: number | null;
}

/** What an experiment measured. */
export interface ExperimentSummary {
  status: ExperimentRun["status"];
  stoppedReason?: string;
  examples: number;
  runs: number;
  planned: number;
  statuses: Record<string, number>;
  evaluators: EvaluatorSummary[];
  /** The evaluator tiers' precision is measured with (the first one). */
  primary?: string;
  tiers: TierSummary[];
  latency: { p50Ms: number; p95Ms: number };
  tokens: { input: number; output: number; judgeInput: number; judgeOutput: number };
  /**
   * What was spent (`totalUsd` = chain + judges), and apart what the answers served from the LLM
   * response cache would have cost uncached (`cachedUsd`, chain and judges; not in `totalUsd`).
   */
  cost: { chainUsd: number; judgeUsd: number; totalUsd: number; cachedUsd: number };
  /** Share of runs that reached an `llm` step. */
  llmShare: number;
  /** With repeats: examples whose output changed between repeats, and their share. */
  nondeterminism?: { changed: number; share: number; examples: string[] };
}

/**
 * Summarises an experiment: per-evaluator means with 95 % intervals, per-tier coverage and precision
 * (precision by the first evaluator), latency p50/p95, tokens and cost (the judges' apart), the
 * share of runs that called a model, and with repeats how often outputs changed.
 *
 * @example
 * const s = summarizeExperiment(await runExperiment(chain, dataset, { evaluators }), ["rules", "classifier", "llm"]);
 */
export function summarizeExperiment(
  experiment: ExperimentRun,
  tierOrder: readonly string[] = [],
): ExperimentSummary {
  const rows = experiment.rows;
  const statuses: Record<string, number> = {};
  for (const r of rows) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  const keys = [...new Set(rows.flatMap((r) => r.results.map((x) => x.key)))];
  const evaluators: EvaluatorSummary[] = [];
  for (const key of keys) {
    const scores: number[] = [];
    let unscored = 0;
    for (const r of rows) {
      const s = numericScore(r.results.find((x) => x.key === key)?.score ?? null);
      if (s === null) unscored++;
      else scores.push(s);
    }
    const m = meanWithInterval(scores) ?? { mean: Number.NaN, low: Number.NaN, high: Number.NaN, n: 0 };
    evaluators.push({ key, ...m, unscored });
  }
  const primary = keys[0];
  const byTier = new Map<string, number[]>();
  for (const r of rows) {
    if (r.tier === undefined) continue;
    const list = byTier.get(r.tier) ?? [];
    const s =
      primary === undefined ? null : numericScore(r.results.find((x) => x.key === primary)?.score ?? null);
    if (s !== null) list.push(s);
    else list.push(Number.NaN);
    byTier.set(r.tier, list);
  }
  const order = [...tierOrder, ...[...byTier.keys()].filter((t) => !tierOrder.includes(t)).sort()];
  const tiers = order
    .filter((t) => byTier.has(t) || tierOrder.includes(t))
    .map((tier) => {
      const list = byTier.get(tier) ?? [];
      const scored = list.filter((s) => !Number.isNaN(s));
      return {
        tier,
        answered: list.length,
        coverage: rows.length === 0 ? 0 : list.length / rows.length,
        precision:
          tier === "deferred" || tier === "failed" || scored.length === 0
            ? null
            : scored.reduce((a, b) => a + b, 0) / scored.length,
      };
    });
  const ms = rows.map((r) => r.ms);
  const sum = (f: (r: (typeof rows)[number]) => number) => rows.reduce((a, r) => a + f(r), 0);
  const chainUsd = sum((r) => r.usage.costUsd);
  const judgeUsd = sum((r) => r.judgeUsage.costUsd);
  const cachedUsd = sum((r) => (r.usage.cachedUsd ?? 0) + (r.judgeUsage.cachedUsd ?? 0));
  const summary: ExperimentSummary = {
    status: experiment.status,
    examples: new Set(rows.map((r) => r.exampleId)).size,
    runs: rows.length,
    planned: experiment.planned,
    statuses,
    evaluators,
    tiers,
    latency: { p50Ms: quantile(ms, 0.5), p95Ms: quantile(ms, 0.95) },
    tokens: {
      input: sum((r) => r.usage.inputTokens),
      output: sum((r) => r.usage.outputTokens),
      judgeInput: sum((r) => r.judgeUsage.inputTokens),
      judgeOutput: sum((r) => r.judgeUsage.outputTokens),
    },
    cost: { chainUsd, judgeUsd, totalUsd: chainUsd + judgeUsd, cachedUsd },
    llmShare: rows.length === 0 ? 0 : rows.filter((r) => r.usedLlm).length / rows.length,
  };
  if (primary !== undefined) summary.primary = primary;
  if (experiment.stoppedReason !== undefined) summary.stoppedReason = experiment.stoppedReason;
  if (rows.some((r) => r.repeat > 0)) summary.nondeterminism = nondeterminism(experiment);
  return summary;
}

/**
 * The metrics every experiment has, read off its summary: one list for {@link experimentMetrics}
 * and {@link experimentMetricNames}, so that a gate is never refused a metric the summary has.
 */
const SUMMARY_METRICS: Readonly<Record<string, (s: ExperimentSummary) => number>> = {
  cost: (s) => s.cost.totalUsd,
  uncached_cost: (s) => s.cost.totalUsd + s.cost.cachedUsd,
  chain_cost: (s) => s.cost.chainUsd,
  judge_cost: (s) => s.cost.judgeUsd,
  p50_ms: (s) => s.latency.p50Ms,
  p95_ms: (s) => s.latency.p95Ms,
  llm_share: (s) => s.llmShare,
  failed: (s) => s.statuses.error ?? 0,
  runs: (s) => s.runs,
};

/**
 * The names {@link experimentMetrics} will give an experiment with these evaluators and repeats,
 * known before it runs, so that a gate naming another metric is refused before anything is spent.
 *
 * @example
 * experimentMetricNames(["queue_match"], 1) // ["cost", ..., "queue_match", "accuracy"]
 */
export function experimentMetricNames(evaluatorKeys: readonly string[], repeats: number): string[] {
  const names = Object.keys(SUMMARY_METRICS);
  names.push(...evaluatorKeys);
  if (evaluatorKeys.length > 0) names.push("accuracy");
  if (repeats > 1) names.push("nondeterminism");
  return [...new Set(names)];
}

/**
 * The metrics a gate can test: each evaluator's mean by its key, `accuracy` (the primary
 * evaluator's mean), `cost` (spent), `uncached_cost` (spent plus what the cached answers would
 * have cost), `judge_cost`, `p50_ms`, `p95_ms`, `llm_share`, `failed`,
 * `nondeterminism` (with repeats).
 */
export function experimentMetrics(s: ExperimentSummary): Record<string, number> {
  const metrics: Record<string, number> = {};
  for (const [name, of] of Object.entries(SUMMARY_METRICS)) metrics[name] = of(s);
  for (const e of s.evaluators) metrics[e.key] = e.mean;
  const primary = s.evaluators.find((e) => e.key === s.primary);
  if (primary !== undefined && metrics.accuracy === undefined) metrics.accuracy = primary.mean;
  if (s.nondeterminism) metrics.nondeterminism = s.nondeterminism.share;
  return metrics;
}

function nondeterminism(experiment: ExperimentRun): NonNullable<ExperimentSummary["nondeterminism"]> {
  const outputs = new Map<string, Set<string>>();
  for (const r of experiment.rows) {
    const set = outputs.get(r.exampleId) ?? new Set<string>();
    set.add(canonicalJson(r.output ?? { status: r.status }));
    outputs.set(r.exampleId, set);
  }
  const examples = [...outputs].filter(([, set]) => set.size > 1).map(([id]) => id);
  return {
    changed: examples.length,
    share: outputs.size === 0 ? 0 : examples.length / outputs.size,
    examples,
  };
}
