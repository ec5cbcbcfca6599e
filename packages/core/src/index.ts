// Public API of @catena/core.

export type { BatchRecord } from "./batch/jsonl-checkpoint.ts";
export type { BatchItemResult, BatchOptions, BatchProgress, BatchSummary } from "./batch/run-batch.ts";
export { runBatch, UnreadableItem } from "./batch/run-batch.ts";
export type { CompiledFlow } from "./compile/compile-flow.ts";
export type { AnyChain, Chain, ChainDefinition, InputFrom, OutputFrom } from "./compile/define-chain.ts";
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
export type {
  BranchCaseInput,
  CascadeAnswer,
  CascadeOptions,
  CascadeTierInput,
  MapOptions,
  RetryOptions,
  ReviewOptions,
} from "./flows/flow-nodes.ts";
export { assign, branch, cascade, map, retry, review, sequence } from "./flows/flow-nodes.ts";
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
export type { CodeStepOptions } from "./steps/code-step.ts";
export { code } from "./steps/code-step.ts";
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
  TextClassifier,
  VectorSearch,
} from "./steps/step-kinds.ts";
export type {
  AnyStep,
  Backoff,
  BranchNode,
  CascadeNode,
  CascadeTier,
  ChainRef,
  FlowNode,
  FlowScope,
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
