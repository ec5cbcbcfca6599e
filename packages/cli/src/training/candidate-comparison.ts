/*
 * The candidate against the current version, measured offline: both with their LLM tier left out,
 * so that an item no cheap tier accepts counts as one the LLM would answer (an LLM call), and no
 * model is called. On the dev split through the compare engine (regressions, McNemar, deltas), and
 * on the held-out recent traffic against the labels the traces gave.
 */
import { type AnyChain, cascadeTierNames } from "@catena/core";
import type { Dataset } from "@catena/core/datasets";
import {
  type Comparison,
  compareExperiments,
  comparisonMetrics,
  defineEvaluator,
  type ExperimentRun,
  type ExperimentSummary,
  runExperiment,
  summarizeExperiment,
} from "@catena/core/evals";
import type { LabelledExample } from "@catena/core/ml";

/** How one version does on a set of labelled items, offline. */
export interface OfflineScore {
  items: number;
  /** Items a cheap tier answered. */
  answered: number;
  /** Share of the answered items whose label is right (null when none was answered). */
  precision: number | null;
  /** Share of the items left to the LLM tier. */
  llmShare: number;
}

/** The candidate and the current version side by side. */
export interface CandidateComparison {
  dev: { comparison: Comparison; before: OfflineScore; after: OfflineScore };
  /** On the held-out traced items, against the traced (LLM or corrected) labels; absent when none were held out. */
  traffic?: { before: OfflineScore; after: OfflineScore };
  /** What a gate can test (see {@link comparisonGateMetrics}). */
  metrics: Record<string, number>;
}

/** The evaluator: a cheap tier's wrong answer scores 0; a right one, or an item left to the LLM, 1. */
const cheapCorrect = defineEvaluator(
  "cheap_correct",
  "cheap_correct",
  {},
  ({ output, reference, status }) => {
    if (status === "deferred") return { key: "cheap_correct", score: true, comment: "left to the LLM" };
    const expected = reference?.label;
    const got = (output as { label?: unknown } | undefined)?.label;
    return got === expected
      ? { key: "cheap_correct", score: true }
      : { key: "cheap_correct", score: false, comment: `expected ${String(expected)}` };
  },
);

/**
 * Runs both versions, given without their LLM tier (`TrainableChain.withoutLlm`), on the dev items and, when given, on the held-out
 * traffic, and compares them. The metrics add to the compare engine's (`regressions`,
 * `improvements`, `accuracy`, ...) the candidate's cheap-tier `precision` and `llm_share` on dev,
 * their values `*_before` for the current version, `llm_share_delta`, and `traffic_agreement`,
 * `traffic_llm_share`, `traffic_llm_share_delta` on the held-out traffic.
 */
export async function compareCandidate(
  current: AnyChain,
  candidate: AnyChain,
  dev: readonly LabelledExample[],
  traffic: readonly LabelledExample[],
): Promise<CandidateComparison> {
  const tierOrder = cascadeTierNames(candidate.flow);
  const devSet = datasetOf("dev", dev);
  const [a, b] = [await offlineRun(current, devSet), await offlineRun(candidate, devSet)];
  const comparison = compareExperiments(a, b, { tierOrder });
  const before = scoreOf(comparison.a);
  const after = scoreOf(comparison.b);
  const metrics: Record<string, number> = {
    ...comparisonMetrics(comparison),
    precision: after.precision ?? 0,
    precision_before: before.precision ?? 0,
    llm_share: after.llmShare,
    llm_share_before: before.llmShare,
    llm_share_delta: after.llmShare - before.llmShare,
  };
  const out: CandidateComparison = { dev: { comparison, before, after }, metrics };
  if (traffic.length > 0) {
    const set = datasetOf("traffic", traffic);
    const tb = scoreOf(summarizeExperiment(await offlineRun(current, set), tierOrder));
    const ta = scoreOf(summarizeExperiment(await offlineRun(candidate, set), tierOrder));
    out.traffic = { before: tb, after: ta };
    metrics.traffic_agreement = ta.precision ?? 0;
    metrics.traffic_agreement_before = tb.precision ?? 0;
    metrics.traffic_llm_share = ta.llmShare;
    metrics.traffic_llm_share_before = tb.llmShare;
    metrics.traffic_llm_share_delta = ta.llmShare - tb.llmShare;
  }
  return out;
}

/** Labelled items as a dataset whose example ids are their positions (the same on both sides). */
function datasetOf(name: string, items: readonly LabelledExample[]): Dataset {
  return {
    name,
    examples: items.map((e, i) => ({ id: String(i), inputs: { text: e.text }, outputs: { label: e.label } })),
    contentHash: "",
  };
}

/** Runs a version without its LLM tier; a deferred item is one the LLM would have answered. */
async function offlineRun(chain: AnyChain, dataset: Dataset): Promise<ExperimentRun> {
  const run = await runExperiment(chain, dataset, { evaluators: [cheapCorrect], concurrency: 8 });
  return { ...run, rows: run.rows.map((r) => ({ ...r, usedLlm: r.status === "deferred" })) };
}

/** Items, cheap answers, their precision and the LLM share, from a summary's tiers. */
function scoreOf(s: ExperimentSummary): OfflineScore {
  let answered = 0;
  let right = 0;
  for (const t of s.tiers) {
    if (t.tier === "deferred" || t.tier === "failed" || t.precision === null) continue;
    answered += t.answered;
    right += t.precision * t.answered;
  }
  return {
    items: s.runs,
    answered,
    precision: answered === 0 ? null : right / answered,
    llmShare: s.llmShare,
  };
}
