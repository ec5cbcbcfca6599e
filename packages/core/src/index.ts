// Public API of @catena/core.

export { deferralReason } from "./batch/deferral-reason.ts";
export type { BatchRecord } from "./batch/jsonl-checkpoint.ts";
export type { BatchItemResult, BatchOptions, BatchProgress, BatchSummary } from "./batch/run-batch.ts";
export { runBatch, UnreadableItem } from "./batch/run-batch.ts";
export type {
  CalibrateOptions,
  CalibrationItem,
  CalibrationResult,
  TierCalibration,
} from "./calibrate/calibrate.ts";
export { calibrate, NEVER_ACCEPT } from "./calibrate/calibrate.ts";
export type { ThresholdsFile } from "./calibrate/thresholds-file.ts";
export { readThresholds, writeThresholds } from "./calibrate/thresholds-file.ts";
export type { CompiledFlow } from "./compile/compile-flow.ts";
export type {
  AnyChain,
  Chain,
  ChainDefinition,
  DecisionFrom,
  InputFrom,
  OutputFrom,
} from "./compile/define-chain.ts";
export { defineChain } from "./compile/define-chain.ts";
export type {
  ChainMachineContext,
  ChainMachineEvent,
  DeferredInfo,
  TierAnswer,
} from "./compile/machine-context.ts";
export type { CatenaErrorCode, CatenaErrorOptions, SerializedError } from "./errors/catena-error.ts";
export { CatenaError, serializeError } from "./errors/catena-error.ts";
export type { SchemaIssue } from "./errors/errors.ts";
export {
  AbortedError,
  BatchInputError,
  ChainDefinitionError,
  ChainNotFoundError,
  InputValidationError,
  InvalidSnapshotError,
  OutputValidationError,
  ProviderNotConfiguredError,
  StepError,
  TimeoutError,
} from "./errors/errors.ts";
export type { FailedCall } from "./errors/llm-errors.ts";
export { ModelOutputError, ProviderError } from "./errors/llm-errors.ts";
export type { DatasetProblem } from "./errors/ml-errors.ts";
export { ArtifactError, DatasetError } from "./errors/ml-errors.ts";
export { RunDeferredError, RunWaitingError } from "./errors/run-outcome-errors.ts";
export type { FeedbackFields } from "./feedback/feedback.ts";
export { feedback } from "./feedback/feedback.ts";
export { FeedbackInvalidError } from "./feedback/feedback-invalid-error.ts";
export type { FeedbackLink } from "./feedback/feedback-link.ts";
export { feedbackLink } from "./feedback/feedback-link.ts";
export type { FeedbackObject, FeedbackRecord } from "./feedback/feedback-record.ts";
export type { FeedbackStats, FeedbackStatsOptions, FeedbackStatsRow } from "./feedback/feedback-stats.ts";
export { feedbackStats } from "./feedback/feedback-stats.ts";
export type { ListFeedbackOptions } from "./feedback/list-feedback.ts";
export { listFeedback } from "./feedback/list-feedback.ts";
export { cascadeTierNames, children, flowNodes } from "./flows/children.ts";
export type {
  AnyFlow,
  Assigned,
  BranchCaseInput,
  CascadeAnswer,
  CascadeOptions,
  CascadeTierInput,
  CascadeTierOptions,
  DecisionSchema,
  Flow,
  FlowBuilder,
  FlowDecision,
  FlowInput,
  FlowOutput,
  MapOptions,
  RetryOptions,
  Reviewed,
  ReviewOptions,
  TierResult,
} from "./flows/flow-nodes.ts";
export {
  assign,
  branch,
  cascade,
  flow,
  map,
  retry,
  review,
  sequence,
  sequenceOf,
} from "./flows/flow-nodes.ts";
// Type-only: chain-runnable.ts imports LangChain, so it is loaded by toRunnable, never by this index.
export type {
  ChainOutputEvent,
  ChainRunnable,
  ChainStreamEvent,
  ToRunnableOptions,
} from "./langchain/chain-runnable.ts";
export type { EmbeddingCache } from "./langchain/embedding-cache.ts";
export { DiskEmbeddingCache } from "./langchain/embedding-cache.ts";
export { EmbeddingProviderError } from "./langchain/embedding-provider-error.ts";
export type { OpenAiEmbedderOptions } from "./langchain/openai-embedder.ts";
export { OpenAiEmbedder, openAiEmbedder } from "./langchain/openai-embedder.ts";
export type { InvokableRunnable, RunnableStepOptions } from "./langchain/runnable-step.ts";
export { runnableStep } from "./langchain/runnable-step.ts";
export type { StepEventTracerOptions, StepFinishedEvent } from "./langchain/step-event-tracer.ts";
export { stepEventTracer } from "./langchain/step-event-tracer.ts";
export { toRunnable } from "./langchain/to-runnable.ts";
export type { ChatModelInput, ModelSettings } from "./llm/chat-model-resolver.ts";
export type { FloatingModel } from "./llm/floating-models.ts";
export { floatingModels } from "./llm/floating-models.ts";
export type { ChatPromptLike, FewShotExample, LlmPromptInput } from "./llm/llm-prompt.ts";
export type { ConfidenceSource, LlmLabelResult } from "./llm/llm-step-options.ts";
export type { ModelId } from "./llm/model-id.ts";
export { isFloatingModel, parseModelId } from "./llm/model-id.ts";
export type { ModelPrice } from "./llm/price-table.ts";
export { DEFAULT_MODEL_PRICES, modelPrice, setModelPrice } from "./llm/price-table.ts";
export type { RateLimits } from "./llm/provider-rate-limiter.ts";
export type { RateLimitTarget } from "./llm/rate-limit-registry.ts";
export { setProviderRateLimit } from "./llm/rate-limit-registry.ts";
export type { CachedResponse, ResponseCache } from "./llm/response-cache.ts";
export { DiskResponseCache, setDefaultResponseCache } from "./llm/response-cache.ts";
export type { RetryPolicy } from "./llm/retry-policy.ts";
export type { ArtifactContents, LoadedArtifact, SectionArray } from "./ml/artifact-file.ts";
export {
  artifactHash,
  decodeArtifact,
  encodeArtifact,
  readArtifactFile,
  writeArtifactFile,
} from "./ml/artifact-file.ts";
export type { CatenaVectorStoreFilter, CatenaVectorStoreOptions } from "./ml/catena-vector-store.ts";
export { CatenaVectorStore } from "./ml/catena-vector-store.ts";
export type { ClassificationReport, ClassScores, Confusion } from "./ml/classification-report.ts";
export { evaluateLabels } from "./ml/classification-report.ts";
export type { CheckExamplesOptions, LabelledExample } from "./ml/labelled-example.ts";
export { checkExamples } from "./ml/labelled-example.ts";
export { LinearTextClassifier } from "./ml/linear-text-classifier.ts";
export type { LocalEmbedderOptions } from "./ml/local-embedder.ts";
export { LocalEmbedder } from "./ml/local-embedder.ts";
export type { NgramOptions } from "./ml/ngram-hasher.ts";
export type { ParallelSearchOptions } from "./ml/parallel-search.ts";
export { ParallelSearch } from "./ml/parallel-search.ts";
export type { ReadLabelledCsvOptions } from "./ml/read-labelled-csv.ts";
export { readLabelledCsv } from "./ml/read-labelled-csv.ts";
export { seededRandom } from "./ml/seeded-random.ts";
export type { SplitOptions } from "./ml/split-dataset.ts";
export { splitDataset } from "./ml/split-dataset.ts";
export type { TfidfOptions, TfidfState } from "./ml/tfidf-featuriser.ts";
export { TfidfFeaturiser } from "./ml/tfidf-featuriser.ts";
export { TopK } from "./ml/top-k.ts";
export type { TrainClassifierOptions, TrainingProgress, TrainingReport } from "./ml/train-classifier.ts";
export { trainClassifier } from "./ml/train-classifier.ts";
export type { TrainableChain, TrainProgress } from "./ml/trainable-chain.ts";
export type { IndexedVector, SearchOptions, VectorIndexOptions } from "./ml/vector-index.ts";
export { VectorIndex } from "./ml/vector-index.ts";
export type {
  RunDeferred,
  RunDone,
  RunFailed,
  RunOptions,
  RunResult,
  RunSnapshot,
  RunWaiting,
} from "./runtime/run-types.ts";
export { resume, run, runOrThrow } from "./runtime/runner.ts";
export { classify } from "./steps/classify-step.ts";
export type { CodeStepOptions } from "./steps/code-step.ts";
export { code } from "./steps/code-step.ts";
export { knn } from "./steps/knn-step.ts";
export type { LlmOutput } from "./steps/llm-step.ts";
export { llm } from "./steps/llm-step.ts";
export type {
  ExtractedFields,
  RegexExtractOptions,
  RegexLabelResult,
  RegexMatch,
  RegexRule,
  RegexRulesOptions,
} from "./steps/regex-step.ts";
export { regex } from "./steps/regex-step.ts";
export type {
  ClassifyResult,
  ClassifyStepFactory,
  ClassifyStepOptions,
  Embedder,
  KnnResult,
  KnnStepFactory,
  KnnStepOptions,
  LlmStepFactory,
  LlmStepOptions,
  Neighbour,
  ScoredLabel,
  TextClassifier,
  VectorSearch,
} from "./steps/step-kinds.ts";
export type { LangsmithSettings } from "./tracing/langsmith-settings.ts";
export { langsmithSettingsFromEnv } from "./tracing/langsmith-settings.ts";
export { LangsmithSpan } from "./tracing/langsmith-span.ts";
export type { LangsmithTracerOptions, RedactedPart } from "./tracing/langsmith-tracer.ts";
export { LangsmithTracer, langsmithTracer } from "./tracing/langsmith-tracer.ts";
export type { ListTracesOptions } from "./tracing/list-traces.ts";
export { listTraces } from "./tracing/list-traces.ts";
export { readTrace } from "./tracing/read-trace.ts";
export type { TraceClient } from "./tracing/trace-client.ts";
export { STUDIO_PLACEHOLDER_KEY, traceClient, traceClientFromEnv } from "./tracing/trace-client.ts";
export type { FeedbackTally, TraceNode, TraceSummary, TraceTree } from "./tracing/trace-records.ts";
export type { LocalStudio, TracerFromEnvOptions, TracingBackend } from "./tracing/tracer-from-env.ts";
export { tracerFromEnv } from "./tracing/tracer-from-env.ts";
export { RunNotFoundError, TracingConfigError, TracingUnavailableError } from "./tracing/tracing-errors.ts";
export type {
  AnyStep,
  Backoff,
  BranchNode,
  CascadeNode,
  CascadeTier,
  ChainRef,
  FlowNode,
  FlowScope,
  FlushResult,
  JsonValue,
  LabelResult,
  Logger,
  MapNode,
  RetryNode,
  ReviewNode,
  SequenceNode,
  SpanInfo,
  SpanOutcome,
  Step,
  StepContext,
  StepRecord,
  Tracer,
  TraceSpan,
  Usage,
} from "./types.ts";
export { canonicalJson } from "./versioning/canonical-json.ts";
export { ChainRegistry } from "./versioning/chain-registry.ts";
export { fingerprintOf } from "./versioning/fingerprint.ts";
export type { LockCheck, LockEntryCheck, LockFile } from "./versioning/lock-file.ts";
export { checkLock, lockFor, readLockFile, writeLockFile } from "./versioning/lock-file.ts";
