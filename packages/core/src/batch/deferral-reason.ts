import type { SerializedError } from "../errors/catena-error.ts";
import { failureCode } from "../errors/failure-code.ts";

/**
 * Why a cascade deferred an item, as counted in a batch summary: the code of the error behind the
 * last tier's failure (a step failure's cause, e.g. `PROVIDER_NOT_CONFIGURED`, rather than the
 * generic `STEP_FAILED` around it; see {@link failureCode}), or `"low-confidence"` when no tier failed.
 *
 * @example
 * deferralReason({ name: "StepError", code: "STEP_FAILED", message: "...", cause: { name: "ProviderNotConfiguredError", code: "PROVIDER_NOT_CONFIGURED", message: "..." } })
 * // "PROVIDER_NOT_CONFIGURED"
 */
export function deferralReason(error: SerializedError | undefined): string {
  return error === undefined ? "low-confidence" : failureCode(error).code;
}
