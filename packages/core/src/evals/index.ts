/*
 * Public API of @catena/core/evals: evaluators (one contract, built-ins, LLM judges), judge
 * alignment against human labels, experiments (run, summarise, record as LangSmith experiments),
 * version comparison and gates. The engine entry (`@catena/core`) does not load it.
 */

/** The dataset contract, re-exported for evals users (it lives with `@catena/core/datasets`). */
export type { Dataset, DatasetExample } from "../datasets/dataset.ts";
export type { HumanLabel } from "./align-judge.ts";
export { alignJudge, humanLabelsFromFeedback, judgePasses, readHumanLabels } from "./align-judge.ts";
export type { AssertionOutcome } from "./code-assertion.ts";
export { codeAssertion } from "./code-assertion.ts";
export type { ChangedExample, ChangedSide, Comparison } from "./compare-experiments.ts";
export { compareExperiments, comparisonMetrics, uncachedUsd } from "./compare-experiments.ts";
export type { MeanWithInterval } from "./confidence-interval.ts";
export { meanWithInterval, quantile } from "./confidence-interval.ts";
export type { EmbeddingSimilarityOptions, SimilarityEmbedder } from "./embedding-similarity.ts";
export { embeddingSimilarity } from "./embedding-similarity.ts";
export type { RemoteDataset } from "./ensure-remote-dataset.ts";
export { ensureRemoteDataset } from "./ensure-remote-dataset.ts";
export type { EvalsConfig } from "./evals-config.ts";
export { DEFAULT_MIN_KAPPA, EVALS_CONFIG_FILE, judgeSpecOf, readEvalsConfig } from "./evals-config.ts";
export type { EvalsErrorCode } from "./evals-error.ts";
export { EvalsError } from "./evals-error.ts";
export type { EvaluationCase, Evaluator, EvaluatorResult, EvaluatorScore } from "./evaluator.ts";
export { defineEvaluator, numericScore } from "./evaluator.ts";
export type { EvaluatorSpec, JudgeSpec, SpecContext } from "./evaluator-spec.ts";
export { evaluatorFromSpec } from "./evaluator-spec.ts";
export { exactMatch } from "./exact-match.ts";
export type { EvaluatorSummary, ExperimentSummary, TierSummary } from "./experiment-summary.ts";
export { experimentMetricNames, experimentMetrics, summarizeExperiment } from "./experiment-summary.ts";
export type { FieldMatchOptions } from "./field-match.ts";
export { fieldMatch, schemaFields } from "./field-match.ts";
export type { GateCheck, GateCondition } from "./gate.ts";
export { assertGateMetrics, checkGate, parseGate } from "./gate.ts";
export type { AlignmentConfusion, AlignmentPair, AlignmentReport } from "./judge-alignment.ts";
export { alignmentReport, cohenKappa } from "./judge-alignment.ts";
export type { AlignmentRecord, JudgeRecord } from "./judge-record.ts";
export {
  appendAlignment,
  JUDGE_RECORDS_DIR,
  judgeRecordPath,
  readJudgeRecord,
  requireAlignedJudge,
} from "./judge-record.ts";
export type { JudgeScale, LlmJudge, LlmJudgeOptions } from "./llm-judge.ts";
export { DEFAULT_JUDGE_PROMPT, llmJudge, passFailVerdict, scoreVerdict } from "./llm-judge.ts";
export type { McNemarResult } from "./mcnemar-test.ts";
export { mcnemarExact } from "./mcnemar-test.ts";
export type { NumericToleranceOptions } from "./numeric-tolerance.ts";
export { numericTolerance } from "./numeric-tolerance.ts";
export type { PairedBootstrapResult } from "./paired-bootstrap.ts";
export { pairedBootstrap } from "./paired-bootstrap.ts";
export type { PairwiseJudge, PairwiseResult } from "./pairwise-judge.ts";
export { pairwiseJudge, pairwiseVerdict } from "./pairwise-judge.ts";
export type { ExperimentSession } from "./record-experiment.ts";
export { recordExperimentFeedback, startExperimentSession } from "./record-experiment.ts";
export type { RegexMatchOptions } from "./regex-match.ts";
export { regexMatch } from "./regex-match.ts";
export type { ExperimentRow, ExperimentRun, RunExperimentOptions } from "./run-experiment.ts";
export { runExperiment } from "./run-experiment.ts";
export { schemaValidity } from "./schema-validity.ts";
