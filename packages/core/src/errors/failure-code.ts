import type { CatenaError, SerializedError } from "./catena-error.ts";

/** The code to act on behind a failure, and the step that failed, when a step did. */
export interface FailureCode {
  /** The code of the error a step's failure wraps (`PROVIDER_FAILED`, `MODEL_REFUSED`, ...), else the error's own. */
  code: string;
  /** The step that failed (`details.step` of the outermost `STEP_FAILED`). */
  step?: string;
}

/**
 * The code that says why something failed: a step's failure (`STEP_FAILED`) wraps the error of what
 * it called (`PROVIDER_FAILED`, `MODEL_REFUSED`, `MODEL_OUTPUT_INVALID`, `TIMEOUT`, ...),
 * which is the one to act on; the step's name is kept beside it. A plain error a step threw (code
 * `ERROR`) says less than `STEP_FAILED`, which is kept then.
 *
 * @example
 * failureCode({ name: "StepError", code: "STEP_FAILED", message: "...", details: { step: "ask" }, cause: { name: "ProviderError", code: "PROVIDER_FAILED", message: "..." } })
 * // { code: "PROVIDER_FAILED", step: "ask" }
 */
export function failureCode(error: SerializedError | CatenaError): FailureCode {
  const step = error.code === "STEP_FAILED" ? error.details?.step : undefined;
  let code: string = error.code;
  let cause = error.cause;
  while (code === "STEP_FAILED") {
    const next = codeOf(cause);
    if (next === undefined || next === "ERROR") break;
    code = next;
    cause = (cause as { cause?: unknown }).cause;
  }
  return typeof step === "string" ? { code, step } : { code };
}

/** The code of a cause: a Catena error's, a serialized error's, or an Error's string `code`. */
function codeOf(cause: unknown): string | undefined {
  if (typeof cause !== "object" || cause === null) return undefined;
  const code = (cause as { code?: unknown }).code;
  if (typeof code === "string") return code;
  return cause instanceof Error ? "ERROR" : undefined;
}
