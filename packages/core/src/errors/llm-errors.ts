import { plural } from "../format/plural.ts";
import { credentialAdvice } from "../llm/provider-credential.ts";
import { type ProviderFailureKind, transientStatus } from "../llm/provider-failure.ts";
import { CatenaError, type CatenaErrorOptions } from "./catena-error.ts";
import type { SchemaIssue } from "./errors.ts";

/** One model call that failed, as listed in a {@link ProviderError}. */
export interface FailedCall {
  model: string;
  attempt: number;
  /** HTTP status, when the provider answered. */
  status?: number;
  /**
   * rate-limit, server, conflict (a 409: a lock on the request's resource timed out, retried),
   * connection, timeout, malformed-response, empty-answer (no text, or no choices: retried),
   * token-limit (the token limit cut the answer before it was usable: raise `maxTokens`, not
   * retried), client, quota, refusal, content-filter or unknown.
   */
  kind: ProviderFailureKind;
  /**
   * Whether the step sent the same request again after this call (true for a 429, a 5xx, a cut
   * connection; the provider's `x-should-retry` header, when sent, decides it, see
   * {@link FailedCall.shouldRetry}). False after a 4xx client error, a refusal, vectors of the wrong length, and also
   * after an `unknown` failure, which the step does not repeat but a `retry()` around it does (see
   * {@link failedCallsDetails}). Absent, it is judged from `status` (see {@link transientStatus}),
   * and true without one.
   */
  retryable?: boolean;
  message: string;
  /**
   * A timeout whose message names the option that ran out (the step's `callTimeoutMs`, the model
   * client's `timeout`, fetch's `headersTimeout` / `bodyTimeout`): raising it is the fix when the
   * model needs longer. Absent for a timeout of the network, a proxy or the provider.
   */
  namesTimeout?: boolean;
  /**
   * The custom base URL the call went to (an OpenAI-compatible server, a proxy), without its
   * credentials or query; absent for the provider's own endpoint. Says which key a 401 is about.
   */
  baseURL?: string;
  /**
   * What the provider said in its `x-should-retry` header, when it said it. It decided
   * {@link FailedCall.retryable}, except that `true` leaves an account out of quota, a refused key
   * (401/403) and an unknown model (404) not retryable.
   */
  shouldRetry?: boolean;
  /** How long the provider asked to wait, when that was longer than the step waits (`retry.maxRetryAfterMs`). */
  refusedWaitMs?: number;
  /** The longest wait the step accepts (`retry.maxRetryAfterMs`), beside {@link FailedCall.refusedWaitMs}. */
  maxWaitMs?: number;
}

/**
 * The model provider kept failing: retries (429, 5xx, connection errors, timeouts) were used up or
 * the error was not retryable (401, 404, 400), and every fallback model failed too.
 * `details.calls` lists each failed call; `details.status` is the last call's HTTP status (when the
 * provider answered) and `details.retryable` says whether a later try may succeed (some call failed
 * in a way that passes: a 429, a 5xx, a cut connection), which {@link retryableByDefault} reads.
 */
export class ProviderError extends CatenaError {
  readonly calls: FailedCall[];
  constructor(step: string, calls: FailedCall[], options: CatenaErrorOptions = {}) {
    const last = calls.at(-1);
    const models = [...new Set(calls.map((c) => c.model))].join(", ");
    super(
      "PROVIDER_FAILED",
      `llm step "${step}": the model provider failed ${plural(calls.length, "time")} (${models}); last: ${(last?.message ?? "unknown error").replace(/[\s.]+$/, "")}. ${whatToDo(last)}`,
      { ...options, details: { step, ...failedCallsDetails(calls), ...options.details } },
    );
    this.calls = calls;
  }
}

/**
 * The model answered but declined: it refused (OpenAI's `refusal`), or the provider's content
 * filter stopped the answer. The same request gets the same refusal, so it is not retried; the
 * fallback models were tried. `details.calls` lists each failed call, the last being the refusal.
 */
export class ModelRefusalError extends CatenaError {
  readonly calls: FailedCall[];
  constructor(step: string, calls: FailedCall[], options: CatenaErrorOptions = {}) {
    const last = calls.at(-1);
    super(
      "MODEL_REFUSED",
      `llm step "${step}": ${last?.model ?? "the model"} did not answer: ${last?.message ?? "it refused"}. Rephrase the prompt (or the input), or add a \`fallbacks\` model that answers it; asking the same again does not help.`,
      { ...options, details: { step, calls, ...options.details } },
    );
    this.calls = calls;
  }
}

/**
 * The model's answer did not match the step's schema (or its labels), even after the repair
 * attempts that gave the validation errors back to the model. `rawText` is the last answer as sent.
 */
export class ModelOutputError extends CatenaError {
  readonly rawText: string;
  readonly issues: SchemaIssue[];
  constructor(
    step: string,
    model: string,
    rawText: string,
    issues: SchemaIssue[],
    options: CatenaErrorOptions = {},
  ) {
    const list = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
    super(
      "MODEL_OUTPUT_INVALID",
      `llm step "${step}": the answer of ${model} does not match the output schema: ${list}. Make the prompt state the expected shape, allow more \`repairs\`, or loosen the schema.`,
      { ...options, details: { step, model, rawText, issues, ...options.details } },
    );
    this.rawText = rawText;
    this.issues = issues;
  }
}

/**
 * The structured fields of a provider's failure: every call, the last call's HTTP status, and
 * `retryable`: false when every call is known to fail again (see {@link failsAgain}), so that a
 * `retry()` around the step skips only what retrying cannot fix; false too when a provider asked
 * to wait longer than the step allows and every model's last call ended that way or is known to
 * fail again: a `retry()`'s own backoff is shorter than the wait, so trying again would only be
 * refused again. A model whose last call failed in a way that passes (a 500 before the fallback
 * asked for a long wait) keeps the failure retryable. `refusedWaitMs` beside `maxWaitMs` are the
 * last call's.
 */
export function failedCallsDetails(calls: readonly FailedCall[]): {
  calls: FailedCall[];
  status?: number;
  retryable: boolean;
  refusedWaitMs?: number;
  maxWaitMs?: number;
} {
  const last = calls.at(-1);
  const status = last?.status;
  const wait =
    last?.refusedWaitMs === undefined
      ? {}
      : {
          refusedWaitMs: last.refusedWaitMs,
          ...(last.maxWaitMs === undefined ? {} : { maxWaitMs: last.maxWaitMs }),
        };
  const lastPerModel = new Map(calls.map((call) => [call.model, call]));
  const waitRefused =
    calls.some((call) => call.refusedWaitMs !== undefined) &&
    [...lastPerModel.values()].every((call) => call.refusedWaitMs !== undefined || failsAgain(call));
  const retryable = !waitRefused && !calls.every(failsAgain);
  return { calls: [...calls], ...(status === undefined ? {} : { status }), retryable, ...wait };
}

/**
 * Whether the same request is known to meet the same failure: a 4xx client error (400, 401, 403,
 * 404, 422), or a call that says so (`retryable: false`: a refusal, the embedder's vectors of the
 * wrong length). An `unknown` failure is not known to: an error whose status Catena could not read
 * (a client's own error class, a throttling error with no status) may pass on a later try.
 */
function failsAgain(call: FailedCall): boolean {
  if (call.kind === "unknown") return false;
  if (call.retryable !== undefined) return !call.retryable;
  return call.status !== undefined && !transientStatus(call.status);
}

/**
 * The fix for a provider's failure, by how its last call failed: the key, the request, the token
 * limit, or the wait; more `retry.attempts` only for a failure the caller retries. An llm step is told of its `fallbacks`; an embedder (`"embedder"`) has none,
 * and its request is its model and texts rather than a prompt.
 */
export function whatToDo(call: FailedCall | undefined, caller: "step" | "embedder" = "step"): string {
  const step = caller === "step";
  const fallbacks = step ? ", or add `fallbacks`" : "";
  if (call?.status === 401 || call?.status === 403) {
    return `Check ${credentialAdvice(call.model, call.baseURL)} and its access to the model${fallbacks}.`;
  }
  if (call?.kind === "quota") {
    return `The provider's account has run out of quota (insufficient_quota): check its plan and billing, or use another key${fallbacks}; retrying does not help.`;
  }
  if (call?.kind === "client" && call.retryable !== true) {
    return step
      ? "The provider refused the request itself (a model it does not know, a prompt over the context length, a bad setting): fix the step's model or prompt; retrying does not help."
      : "The provider refused the request itself (a model it does not know, a text over the model's input length, a bad setting): fix the embedder's model or shorten the texts; retrying does not help.";
  }
  if (call?.shouldRetry === false && call.kind !== "token-limit") {
    // Only a failure the status would have retried gets here (a 5xx, a 429): the header changed it.
    return step
      ? "The provider said not to send this request again (x-should-retry: false): check its status and the step's model and settings, or add `fallbacks`."
      : "The provider said not to send this request again (x-should-retry: false): check its status and the embedder's model and settings.";
  }
  if (call?.kind === "token-limit") {
    return "Raise the step's `maxTokens` (a reasoning model spends tokens before it answers) or ask for a shorter answer; retrying does not help.";
  }
  if (call?.refusedWaitMs !== undefined) {
    const wait = `The provider asked to wait ${waitText(call.refusedWaitMs)}, longer than \`retry.maxRetryAfterMs\` (${waitText(call.maxWaitMs ?? 0)})`;
    return step
      ? `${wait}: raise it, lower the step's \`rateLimit\`, or add \`fallbacks\`.`
      : `${wait}: raise it, or lower the embedder's \`rateLimit\` or \`concurrency\`.`;
  }
  if (call?.retryable === false) {
    // Never retried (an error Catena cannot classify, vectors of the wrong length): more attempts
    // would not be made, so none are suggested.
    if (call.kind === "unknown") {
      return step
        ? "Check the model's client and the provider's status, or add `fallbacks`; the step does not retry an error it cannot classify (a `retry()` around it does)."
        : "Check the embedder's client and the provider's status; the embedder does not retry an error it cannot classify (a `retry()` around the step does).";
    }
    return step
      ? "Check the step's model and settings, or add `fallbacks`; retrying does not help."
      : "Check the embedder's model and settings; retrying does not help.";
  }
  if (call?.kind === "timeout" && call.status === undefined && call.namesTimeout === true) {
    // The failed call's message names the timeout that ran out (the step's, the model client's, fetch's).
    return step
      ? "If the model needs longer (a long answer, a slow or loaded model), raise the timeout named above; else check the provider's status, raise `retry.attempts`, or add `fallbacks`."
      : "If the provider needs longer, raise the timeout named above; else check the provider's status, or raise `retry.attempts`.";
  }
  if (call?.kind === "timeout" && call.status === undefined) {
    // A timeout no option of the caller's set (a proxy's, the network's): nothing to raise.
    return step
      ? "Check the provider's status, the network and any proxy between them (the timeout is none of the step's or the model client's); raise `retry.attempts`, or add `fallbacks`."
      : "Check the provider's status, the network and any proxy between them (the timeout is none of the embedder's or its client's); or raise `retry.attempts`.";
  }
  if (call?.kind === "conflict") {
    // Retried as OpenAI's own client does: OpenAI answers 409 when a lock on the request's
    // resource timed out, which passes once the other request holding it ends.
    const what =
      "The provider answered 409 Conflict (another request held a lock on the same resource and it timed out; this passes once that request ends)";
    return step
      ? `${what}: the step retried it up to \`retry.attempts\` times; try again later, raise \`retry.attempts\`, or add \`fallbacks\`.`
      : `${what}: the embedder retried it up to \`retry.attempts\` times; try again later, or raise \`retry.attempts\`.`;
  }
  return step
    ? "Check the provider's status, raise `retry.attempts`, or add `fallbacks`."
    : "Check the provider's status, or raise `retry.attempts`.";
}

/**
 * A wait as a person reads it: milliseconds under a second ("250 ms", not "0 s"), whole seconds up
 * to an hour (as `Retry-After` says them), then hours and days; a wait past a year (a garbled or
 * hostile `Retry-After`) is not spelt out as a 20-digit number.
 */
function waitText(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms <= 3_600_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 172_800_000) return `${Math.round(ms / 3_600_000)} h`;
  if (ms < 31_536_000_000) return `${Math.round(ms / 86_400_000)} days`;
  return "more than a year";
}
