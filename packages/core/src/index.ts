// Public API of @catena/core: the engine (define, run, flows, step factories, batch). It loads no LangChain or
// LangSmith module until an `llm` step runs; the rest lives in @catena/core/ml, /langchain and /tracing.

export type { BatchIdentity, ResultsHeader, ResumeMismatch } from "./batch/batch-identity.ts";
export { isResultsHeader } from "./batch/batch-identity.ts";
export type { BatchQueue, QueueBatchSpec, QueuedBatch, QueuedRunResult } from "./batch/batch-queue.ts";
export { BatchResumeError } from "./batch/batch-resume-error.ts";
export { deferralReason } from "./batch/deferral-reason.ts";
export type { SystemicFailure, SystemicFailureKind } from "./batch/provider-failure-streak.ts";
export { BatchStoppedError, systemicFailureOf } from "./batch/provider-failure-streak.ts";
export { queueBatchId } from "./batch/queue-batch-id.ts";
export type {
  BatchAudits,
  BatchItemResult,
  BatchItemUsage,
  BatchOptions,
  BatchProgress,
  BatchSummary,
} from "./batch/run-batch.ts";
export { runBatch, UnreadableItem } from "./batch/run-batch.ts";
export { NEVER_ACCEPT, thresholdText } from "./calibrate/threshold-text.ts";
export type {
  AnyChain,
  Chain,
  ChainDefinition,
  DecisionFrom,
  InputFrom,
  OutputFrom,
} from "./compile/chain.ts";
export { defineChain } from "./compile/define-chain.ts";
export type { DeferredInfo, TierAnswer } from "./compile/machine-context.ts";
export type { CatenaErrorCode, CatenaErrorOptions, SerializedError } from "./errors/catena-error.ts";
export { CatenaError, serializeError } from "./errors/catena-error.ts";
export type { SchemaIssue } from "./errors/errors.ts";
export {
  AbortedError,
  AuditOptionsError,
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
export type { FailureCode } from "./errors/failure-code.ts";
export { failureCode } from "./errors/failure-code.ts";
export type { FailedCall } from "./errors/llm-errors.ts";
export { ModelOutputError, ModelRefusalError, ProviderError } from "./errors/llm-errors.ts";
export { RunDeferredError, RunWaitingError } from "./errors/run-outcome-errors.ts";
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
  ParallelOnError,
  ParallelOptions,
  ParallelOutput,
  RetryOptions,
  Reviewed,
  ReviewOptions,
  Settled,
  SubchainOptions,
  TierResult,
} from "./flows/flow-nodes.ts";
export {
  assign,
  branch,
  cascade,
  flow,
  map,
  parallel,
  retry,
  retryableByDefault,
  review,
  sequence,
  sequenceOf,
  subchain,
} from "./flows/flow-nodes.ts";
export type { ChatModelInput, ModelSettings } from "./llm/chat-model-resolver.ts";
export type { FloatingModel } from "./llm/floating-models.ts";
export { floatingModels } from "./llm/floating-models.ts";
export type { ChatPromptLike, FewShotExample, LlmPromptInput } from "./llm/llm-prompt.ts";
export type { ConfidenceSource, LlmLabelResult } from "./llm/llm-step-options.ts";
export type { ModelId } from "./llm/model-id.ts";
export { isFloatingModel, parseModelId } from "./llm/model-id.ts";
export type { ModelPrice } from "./llm/price-table.ts";
export { DEFAULT_MODEL_PRICES, modelPrice, setModelPrice } from "./llm/price-table.ts";
export type { ProviderFailureKind } from "./llm/provider-failure.ts";
export type { RateLimits } from "./llm/provider-rate-limiter.ts";
export type { RateLimitTarget } from "./llm/rate-limit-registry.ts";
export { setProviderRateLimit } from "./llm/rate-limit-registry.ts";
export type { CachedResponse, ResponseCache } from "./llm/response-cache.ts";
export { DiskResponseCache, setDefaultResponseCache } from "./llm/response-cache.ts";
export type { RetryPolicy } from "./llm/retry-policy.ts";
export type { AuditOptions, AuditOutcome } from "./runtime/audit-options.ts";
export type { ResultEvent, RunEvent } from "./runtime/run-event.ts";
export type {
  RunDeferred,
  RunDone,
  RunFailed,
  RunOptions,
  RunResult,
  RunSnapshot,
  RunWaiting,
  ShadowOptions,
} from "./runtime/run-types.ts";
export { resume, run, runOrThrow } from "./runtime/runner.ts";
export { settleShadows } from "./runtime/shadow-run.ts";
export { stream } from "./runtime/stream-run.ts";
export type { TokenEvent } from "./runtime/token-event.ts";
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
  EmbedOptions,
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
export type {
  AnyStep,
  AuditPick,
  Backoff,
  BranchNode,
  CascadeAuditOptions,
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
  RootSpanInfo,
  SequenceNode,
  SpanAnnotation,
  SpanInfo,
  SpanLocation,
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
export {
  checkLock,
  entryScheme,
  FINGERPRINT_SCHEME,
  lockFileText,
  lockFor,
  readLockFile,
  relock,
  writeLockFile,
} from "./versioning/lock-file.ts";
