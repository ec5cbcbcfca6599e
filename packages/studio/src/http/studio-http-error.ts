/** The HTTP statuses the studio answers errors with. */
export type StudioErrorStatus = 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 422 | 501;

/**
 * A request the studio refuses: the status and a `detail` that names what is wrong and what to do,
 * sent as `{ "detail": "..." }` (the body the LangSmith SDK prints).
 *
 * It does not extend `CatenaError`: `@catena/core` starts the studio in its tests, and a dependency
 * of the studio on core would make the two packages depend on each other.
 *
 * @example
 * throw new StudioHttpError(404, `Run ${id} not found: check the id, or wait for the SDK to flush.`);
 */
export class StudioHttpError extends Error {
  readonly status: StudioErrorStatus;
  readonly details: Record<string, unknown>;

  constructor(status: StudioErrorStatus, detail: string, details: Record<string, unknown> = {}) {
    super(detail);
    this.name = "StudioHttpError";
    this.status = status;
    this.details = details;
  }
}
