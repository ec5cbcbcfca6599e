import { CatenaError, type CatenaErrorOptions } from "../errors/catena-error.ts";
import { credentialAdvice } from "../llm/provider-credential.ts";

/**
 * A provider failure that says nothing about the item: every item would meet it until someone
 * fixes the key, the account or the model name.
 * - `auth`: a non-retryable 401 or 403 (a bad or revoked key, no access to the model);
 * - `quota`: the account is out of credit (a 429 with `insufficient_quota`);
 * - `unknown-model`: a non-retryable 404 (the provider does not know the model).
 *
 * Only a `PROVIDER_FAILED` whose `details.retryable` is false counts (its last call decides), so a
 * 400 (a prompt over the context length), a schema mismatch, a refusal or a content filter never
 * does, nor does a failure a fallback model or a later try may pass.
 */
export type SystemicFailureKind = "auth" | "quota" | "unknown-model";

/** One item's systemic failure, as {@link systemicFailureOf} reads it from the item's error. */
export interface SystemicFailure {
  kind: SystemicFailureKind;
  /** The last failed call's HTTP status, when the provider answered. */
  status?: number;
  /** The model of the last failed call. */
  model?: string;
  /** The custom base URL of the last failed call (see `FailedCall.baseURL`). */
  baseURL?: string;
  /** The provider's message, as the failed call kept it. */
  message: string;
}

interface ErrorLike {
  code?: unknown;
  details?: unknown;
  cause?: unknown;
}

/**
 * The systemic provider failure behind an item's error (a `PROVIDER_FAILED` on the error or its
 * causes: a step's failure wraps it), or undefined for any other failure.
 */
export function systemicFailureOf(error: unknown): SystemicFailure | undefined {
  let e = error as ErrorLike | undefined;
  // A few levels: STEP_FAILED wraps PROVIDER_FAILED, and a sub-chain may wrap that once more.
  for (let depth = 0; depth < 4 && typeof e === "object" && e !== null; depth++, e = e.cause as ErrorLike) {
    if (e.code !== "PROVIDER_FAILED") continue;
    const details = e.details as { retryable?: unknown; calls?: unknown } | undefined;
    if (details?.retryable !== false || !Array.isArray(details.calls)) return undefined;
    const last = details.calls.at(-1) as
      | { kind?: unknown; status?: unknown; model?: unknown; baseURL?: unknown; message?: unknown }
      | undefined;
    const status = typeof last?.status === "number" ? last.status : undefined;
    const kind: SystemicFailureKind | undefined =
      last?.kind === "quota"
        ? "quota"
        : status === 401 || status === 403
          ? "auth"
          : status === 404
            ? "unknown-model"
            : undefined;
    if (kind === undefined) return undefined;
    return {
      kind,
      ...(status === undefined ? {} : { status }),
      ...(typeof last?.model === "string" ? { model: last.model } : {}),
      ...(typeof last?.baseURL === "string" ? { baseURL: last.baseURL } : {}),
      message: typeof last?.message === "string" ? last.message : "",
    };
  }
  return undefined;
}

/**
 * Counts items failing in a row with the same systemic failure (same kind and status). An item
 * that ends without an error (done, deferred, waiting) resets the count; another systemic failure
 * starts a new count; an item-specific failure (a bad input, a 400, a refusal) leaves it as it is,
 * since it says nothing either way about the key.
 */
export class ProviderFailureStreak {
  /** Failures in the current streak. */
  count = 0;
  last: SystemicFailure | undefined;
  private key = "";

  readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Notes a failed item's error; true when the streak has reached the limit. */
  fail(error: unknown): boolean {
    const failure = systemicFailureOf(error);
    if (failure === undefined) return false;
    const key = `${failure.kind}:${failure.status ?? ""}`;
    if (key !== this.key) {
      this.key = key;
      this.count = 0;
    }
    this.count++;
    this.last = failure;
    return this.count >= this.limit;
  }

  /** An item ended without an error: the provider answers. */
  reset(): void {
    this.count = 0;
    this.key = "";
  }
}

/**
 * A batch stopped taking items because its last `failures` items failed in a row with the same
 * systemic provider failure (a bad key, an account out of quota, a model the provider does not
 * know): running the rest would only fail each of them the same way. The items in flight finished
 * and are recorded; the items not started are not, so a resume (with `retryFailed` for the failed
 * ones) completes the batch once the cause is fixed. Carried by `BatchSummary.stopError`.
 */
export class BatchStoppedError extends CatenaError {
  readonly failure: SystemicFailure;
  readonly failures: number;

  constructor(failure: SystemicFailure, failures: number, options: CatenaErrorOptions = {}) {
    super("BATCH_STOPPED", messageOf(failure, failures), {
      ...options,
      details: {
        cause: failure.kind,
        failures,
        ...(failure.status === undefined ? {} : { status: failure.status }),
        ...(failure.model === undefined ? {} : { model: failure.model }),
        providerMessage: failure.message,
        ...options.details,
      },
    });
    this.failure = failure;
    this.failures = failures;
  }
}

// The key to check is the failing step's provider's (its variable), or the custom server's.
const FIXES: Record<SystemicFailureKind, (failure: SystemicFailure) => string> = {
  auth: (failure) => `check ${credentialAdvice(failure.model, failure.baseURL)} and its access to the model`,
  quota: () => "check the provider account's plan and billing, or use another key",
  "unknown-model": () =>
    "check the model name in the chain's llm steps (and that the key's account may use it)",
};

const CAUSES: Record<SystemicFailureKind, string> = {
  auth: "the provider refused the API key",
  quota: "the provider account is out of quota (insufficient_quota)",
  "unknown-model": "the provider does not know the model",
};

function messageOf(failure: SystemicFailure, failures: number): string {
  const status = failure.status === undefined ? "" : ` ${failure.status}`;
  const model = failure.model === undefined ? "" : ` for ${failure.model}`;
  const said = failure.message === "" ? "" : `: ${failure.message.replace(/[\s.]+$/, "")}`;
  return `The batch stopped after ${failures === 1 ? "1 item failed" : `${failures} items in a row failed the same way`}: ${CAUSES[failure.kind]}${model} (${failure.kind}${status}${said}). The items not started are not in the results; ${FIXES[failure.kind](failure)}, then resume (catena batch --resume --retry-failed; resume: true, retryFailed: true in code) to run them and the failed ones.`;
}
