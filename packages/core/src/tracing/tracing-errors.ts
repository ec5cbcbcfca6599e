import { CatenaError, type CatenaErrorOptions } from "../errors/catena-error.ts";

/** A tracing option or environment variable has a value Catena cannot use; the message names it. */
export class TracingConfigError extends CatenaError {
  constructor(message: string, options: CatenaErrorOptions = {}) {
    super("TRACING_CONFIG", message, options);
  }
}

/**
 * The trace backend (LangSmith or the studio) could not be reached or refused a read or a feedback
 * write; `details.url` is where Catena tried and `details.status` the HTTP status, when there was one.
 */
export class TracingUnavailableError extends CatenaError {
  constructor(message: string, options: CatenaErrorOptions = {}) {
    super("TRACING_UNAVAILABLE", message, options);
  }
}

/** No run with this id exists on the trace backend (wrong id, another project, or not yet flushed). */
export class RunNotFoundError extends CatenaError {
  readonly runId: string;
  constructor(runId: string, url: string, options: CatenaErrorOptions = {}) {
    super(
      "RUN_NOT_FOUND",
      `No run ${runId} on ${url}. Check the id (catena run prints it with --json; catena traces lists recent ones) and that LANGSMITH_API_KEY / LANGSMITH_ENDPOINT point at the backend that traced it; a run traced a moment ago is only there once its tracer has flushed.`,
      { ...options, details: { runId, url, ...options.details } },
    );
    this.runId = runId;
  }
}
