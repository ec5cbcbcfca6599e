/**
 * @catena/studio: a local server that speaks the subset of LangSmith's REST API the official
 * `langsmith` SDK uses (traces, feedback, presigned feedback tokens, datasets, examples), stored in
 * SQLite, so that the same SDK traces to LangSmith or to the studio.
 */
export { defaultStudioDbPath } from "./default-studio-db-path.ts";
export { LOOPBACK_HOST_NAMES } from "./http/host-guard.ts";
export { JsonTooDeepError, MAX_JSON_DEPTH } from "./http/json-depth.ts";
export { StudioHttpError } from "./http/studio-http-error.ts";
export type { IngestRefusal, IngestRefusalSummary } from "./ingest-refusals.ts";
export { JSON_INGEST_HEADER, STUDIO_INFO, STUDIO_INFO_JSON_INGEST } from "./routes/info-routes.ts";
export {
  type DecisionIssue,
  decisionIssues,
  type ReviewResumer,
} from "./routes/review-routes.ts";
export {
  DEFAULT_BODY_LIMIT_BYTES,
  type RunningStudio,
  type StudioOptions,
  startStudio,
} from "./start-studio.ts";
export { startStudioInWorker } from "./start-studio-in-worker.ts";
export type { StudioDataset } from "./store/dataset-store.ts";
export type { StudioExample } from "./store/example-store.ts";
export type { StudioFeedback } from "./store/feedback-store.ts";
export { type PruneResult, pruneStudio, vacuumStudio } from "./store/prune-studio.ts";
export type { PausedReview, ReviewStatus } from "./store/review-store.ts";
export type { RunFields, RunOperation } from "./store/run-fields.ts";
export type { StudioRun } from "./store/run-view.ts";
export type { StudioSession } from "./store/session-store.ts";
export { StudioDatabaseError, type StudioDatabaseErrorCode } from "./store/studio-database-error.ts";
export { StudioStore } from "./store/studio-store.ts";
export { createStudioApp, type StudioAppOptions } from "./studio-app.ts";
export { StudioStartError, type StudioStartErrorCode } from "./studio-start-error.ts";
