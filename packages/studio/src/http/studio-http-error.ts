/** The HTTP statuses the studio answers errors with. */
export type StudioErrorStatus = 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 422 | 501;

/** The `code` a {@link StudioHttpError} gets from its status when it names none. */
const codeOfStatus: Record<StudioErrorStatus, string> = {
  400: "bad-request",
  401: "unauthorized",
  403: "forbidden",
  404: "not-found",
  409: "conflict",
  410: "gone",
  413: "too-large",
  415: "unsupported-media-type",
  422: "unprocessable",
  501: "not-implemented",
};

/**
 * A request the studio refuses: the status and a `detail` that names what is wrong and what to do,
 * sent as `{ "detail": "...", "code": "..." }` (`detail` is the body the LangSmith SDK prints) with
 * the structured `details` beside them. `code` says which refusal it is (e.g.
 * `feedback-config-not-found`), for callers that branch on it; without one it follows the status.
 *
 * It does not extend `CatenaError`: `@catena/core` starts the studio in its tests, and a dependency
 * of the studio on core would make the two packages depend on each other.
 *
 * @example
 * throw new StudioHttpError(404, `Run ${id} not found: check the id, or wait for the SDK to flush.`);
 * throw new StudioHttpError(422, "...", { code: "unknown-select-field", field, allowed });
 */
export class StudioHttpError extends Error {
  readonly status: StudioErrorStatus;
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(
    status: StudioErrorStatus,
    detail: string,
    { code, ...details }: { code?: string } & Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = "StudioHttpError";
    this.status = status;
    this.code = code ?? codeOfStatus[status];
    this.details = details;
  }

  /** The JSON body the studio answers with: `detail` (what the SDK reads), `code` and the details. */
  toJSON(): Record<string, unknown> {
    return { ...this.details, code: this.code, detail: this.message };
  }
}
