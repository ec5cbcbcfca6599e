/*
 * Public API of @catena/core/tracing: tracing to LangSmith or the local studio, reading traces
 * back, and feedback. Importing it loads the langsmith SDK; runs without a tracer never do.
 */

export type { FeedbackFields } from "../feedback/feedback.ts";
export { feedback } from "../feedback/feedback.ts";
export {
  checkFeedbackConfig,
  DEFAULT_FEEDBACK_CONFIGS,
  type FeedbackCategory,
  type FeedbackConfig,
  readFeedbackConfig,
  setFeedbackConfig,
} from "../feedback/feedback-config.ts";
export { FeedbackInvalidError } from "../feedback/feedback-invalid-error.ts";
export type { FeedbackLink } from "../feedback/feedback-link.ts";
export { feedbackLink } from "../feedback/feedback-link.ts";
export type { FeedbackObject, FeedbackRecord } from "../feedback/feedback-record.ts";
export type { FeedbackStats, FeedbackStatsOptions, FeedbackStatsRow } from "../feedback/feedback-stats.ts";
export { feedbackStats } from "../feedback/feedback-stats.ts";
export type { ListFeedbackOptions } from "../feedback/list-feedback.ts";
export { listFeedback } from "../feedback/list-feedback.ts";
export type { AnnotationQueueResult } from "./annotation-queue.ts";
export { addToAnnotationQueue } from "./annotation-queue.ts";
export type { LangsmithSettings } from "./langsmith-settings.ts";
export { backendUrl, langsmithSettingsFromEnv } from "./langsmith-settings.ts";
export type { LangsmithTracerOptions, RedactedPart } from "./langsmith-tracer.ts";
export { LangsmithTracer, langsmithTracer } from "./langsmith-tracer.ts";
export type { ListTracedInputsOptions, TracedInput } from "./list-traced-inputs.ts";
export { listTracedInputs } from "./list-traced-inputs.ts";
export type { ListTracesOptions } from "./list-traces.ts";
export { listTraces } from "./list-traces.ts";
export { readTrace } from "./read-trace.ts";
export type { TraceClient } from "./trace-client.ts";
export { STUDIO_PLACEHOLDER_KEY, traceClient, traceClientFromEnv } from "./trace-client.ts";
export type { FeedbackTally, TraceNode, TraceSummary, TraceTree } from "./trace-records.ts";
export type { LocalStudio, TracerFromEnvOptions, TracingBackend } from "./tracer-from-env.ts";
export { tracerFromEnv } from "./tracer-from-env.ts";
export { RunNotFoundError, TracingConfigError, TracingUnavailableError } from "./tracing-errors.ts";
