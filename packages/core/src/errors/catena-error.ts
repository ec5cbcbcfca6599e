/** Every error code Catena raises; callers switch on `error.code` rather than on classes. */
export type CatenaErrorCode =
  | "CHAIN_DEFINITION"
  | "INPUT_VALIDATION"
  | "OUTPUT_VALIDATION"
  | "STEP_FAILED"
  | "TIMEOUT"
  | "ABORTED"
  | "LOCK_MISMATCH"
  | "LOCK_FILE_INVALID"
  | "CHAIN_NOT_FOUND"
  | "INVALID_SNAPSHOT"
  | "INVALID_AUDIT_OPTIONS"
  | "BATCH_INPUT"
  | "BATCH_RESUME_MISMATCH"
  | "BATCH_STOPPED"
  | "PROVIDER_NOT_CONFIGURED"
  | "PROVIDER_FAILED"
  | "MODEL_OUTPUT_INVALID"
  | "MODEL_REFUSED"
  | "TRACING_CONFIG"
  | "TRACING_UNAVAILABLE"
  | "RUN_NOT_FOUND"
  | "FEEDBACK_INVALID"
  | "DATASET_INVALID"
  | "ARTIFACT_INVALID"
  | "VERSION_NOT_TRAINABLE"
  | "TRAINER_INVALID"
  | "RUN_DEFERRED"
  | "RUN_WAITING";

const brand = Symbol.for("catena.error");

/** Options shared by every Catena error: the cause and structured fields for machines and logs. */
export interface CatenaErrorOptions {
  cause?: unknown;
  details?: Record<string, unknown>;
}

/**
 * Base class of every error Catena throws: a string `code`, structured `details`, and a message that
 * names the wrong input and the fix. Packages built on Catena give their own codes as `TCode`
 * (e.g. `class SqlRejectedError extends CatenaError<"SQL_REJECTED">`), so that core's union stays core's.
 *
 * @example
 * if (CatenaError.isInstance(e) && e.code === "INPUT_VALIDATION") console.error(e.details);
 */
export class CatenaError<TCode extends string = CatenaErrorCode> extends Error {
  readonly code: TCode;
  readonly details: Record<string, unknown>;
  readonly [brand] = true;

  constructor(code: TCode, message: string, options: CatenaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details ?? {};
  }

  /** True for any Catena error, even one thrown by another copy of the package. */
  static isInstance(value: unknown): value is CatenaError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }

  /** A plain, JSON-safe view of the error, as written to batch results and traces. */
  toJSON(): SerializedError {
    return serializeError(this);
  }
}

/** The JSON form of an error as it appears in results and checkpoints. */
export interface SerializedError {
  name: string;
  code: string;
  message: string;
  details?: Record<string, unknown>;
  cause?: SerializedError;
}

/** Turns any thrown value into a JSON-safe {@link SerializedError}. */
export function serializeError(error: unknown): SerializedError {
  if (CatenaError.isInstance(error)) {
    const out: SerializedError = { name: error.name, code: error.code, message: error.message };
    if (Object.keys(error.details).length > 0) out.details = error.details;
    if (error.cause !== undefined) out.cause = serializeError(error.cause);
    return out;
  }
  if (error instanceof Error) {
    const raw = (error as Error & { code?: unknown }).code;
    const code = typeof raw === "string" ? raw : "ERROR";
    const out: SerializedError = { name: error.name, code, message: error.message };
    if (error.cause !== undefined) out.cause = serializeError(error.cause);
    return out;
  }
  return { name: "Error", code: "ERROR", message: String(error) };
}
