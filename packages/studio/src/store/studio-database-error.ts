/** Why the studio could not use its database file. */
export type StudioDatabaseErrorCode = "STUDIO_DB_OPEN" | "STUDIO_DB_TOO_NEW";

/**
 * The studio's database cannot be opened or is of a newer schema than this studio knows; the
 * message names the file and what to do.
 */
export class StudioDatabaseError extends Error {
  readonly code: StudioDatabaseErrorCode;
  readonly details: Record<string, unknown>;

  constructor(
    code: StudioDatabaseErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "StudioDatabaseError";
    this.code = code;
    this.details = options.details ?? {};
  }
}
