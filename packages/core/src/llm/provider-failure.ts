import { redactSecrets } from "./secret-text.ts";

/**
 * How a model call failed. `conflict` is a 409 (a lock on the request's resource timed out; it
 * passes, and is retried); `empty-answer` an answer with no text or no choices (retried);
 * `token-limit` an answer the token limit cut before it was usable (a plain one before any text, a
 * structured one before its JSON was complete: raise `maxTokens`; not retried).
 */
export type ProviderFailureKind =
  | "rate-limit"
  | "server"
  | "conflict"
  | "connection"
  | "timeout"
  | "malformed-response"
  | "empty-answer"
  | "token-limit"
  | "client"
  | "refusal"
  | "content-filter"
  | "quota"
  | "unknown";

/** What went wrong with a model call, and whether trying again can help. */
export interface ProviderFailure {
  kind: ProviderFailureKind;
  retryable: boolean;
  /** HTTP status, when the provider answered. */
  status?: number;
  /** How long the provider asked to wait (`retry-after-ms` or `Retry-After`), in milliseconds. */
  retryAfterMs?: number;
  message: string;
  /**
   * The message names the timeout that ran out and the option that sets it (the step's
   * `callTimeoutMs`, the model client's `timeout`, fetch's `headersTimeout` or `bodyTimeout`), so
   * "raise it" is a fix. Absent for a timeout that is no setting of the caller's (a proxy's, the
   * network's, the operating system's connect timeout).
   */
  namesTimeout?: boolean;
  /**
   * What the provider said of retrying in its `x-should-retry` header (`true` or `false`), when it
   * said it. It decides `retryable`, as in OpenAI's own client, except that `true` does not make
   * an account out of quota, a refused key (401/403) or an unknown model (404) retryable.
   */
  shouldRetry?: boolean;
}

/**
 * What the caller knows of the call that failed, beside its error: enough to tell the model
 * client's own timeout from another that the client reports the same way.
 */
export interface FailedCallContext {
  /** How long the call ran before it failed, in milliseconds. */
  elapsedMs: number;
  /** The model client's own request timeout (the OpenAI client's `timeout`), when known. */
  clientTimeoutMs?: number;
  /** The model was given as an id: Catena built its client, so there is no instance to set `timeout` on. */
  fromId?: boolean;
  /**
   * Secrets of the call (its API key, the secret-looking segments of its base URL, see
   * `knownSecrets`), hidden wherever the provider's message echoes them.
   */
  secrets?: readonly string[];
}

/**
 * Whether an HTTP status says the same request may succeed later: 408 (timeout), 409 (conflict),
 * 425 (too early), 429 (rate limit) and 5xx. Other 4xx (bad request, authentication, permission,
 * unknown model, unprocessable request) fail again however often they are sent.
 *
 * @example
 * transientStatus(429) // true
 * transientStatus(401) // false
 */
export function transientStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}

/**
 * Classifies an error thrown by a LangChain chat model call (the OpenAI SDK's errors as LangChain
 * passes them on, or fetch's): 429, 408, 409, 425 and 5xx, connection failures, timeouts and
 * unparseable answers are retryable; other 4xx (bad request, authentication, unknown model) are not,
 * nor is a 429 saying `insufficient_quota` (an account out of credit, not a rate limit). A 409 is
 * kind `conflict` (a lock timeout, retried). A response header `x-should-retry: false` stops
 * any retry and `true` retries a refused request, as in OpenAI's own client, except that an
 * account out of quota, a refused key and an unknown model stay not retryable. The message has the call's secrets
 * and anything looking like a key hidden (see `redactSecrets`).
 * An error event in a streamed answer (no status) is judged by its type: `server_error` and
 * rate limits are retryable, `invalid_request_error` is not.
 * `call` tells the client's own timeout apart: the OpenAI client reports any timeout of its fetch
 * (a proxy's, the OS's connect timeout, a custom fetch's) as its own "Request timed out", but one
 * that came before its `timeout` had passed is not its own.
 *
 * @example
 * classifyProviderError(err) // { kind: "rate-limit", retryable: true, status: 429, retryAfterMs: 2000, ... }
 */
export function classifyProviderError(error: unknown, call?: FailedCallContext): ProviderFailure {
  const e = (typeof error === "object" && error !== null ? error : {}) as {
    headers?: unknown;
    name?: unknown;
    message?: unknown;
    code?: unknown;
    cause?: unknown;
  };
  // LangChain appends a troubleshooting link to the provider's message; the step says what to do.
  // The provider's text may echo a key or a secret part of the URL it was sent to (a gateway's
  // "no route for /v1/<key>/…"): hidden before the message reaches an error, a log or a results file.
  const message = redactSecrets(
    (typeof e.message === "string" ? e.message : String(error))
      .replace(/\s*Troubleshooting URL: \S+\s*$/, "")
      .trim(),
    call?.secrets,
  );
  // LangChain wraps some answers (a prompt over the context window: ContextOverflowError) and
  // keeps the provider's error, with its status, as the cause.
  const status = statusOf(error) ?? statusOf(e.cause);
  if (status !== undefined) {
    const headers = e.headers ?? (e.cause as { headers?: unknown } | null | undefined)?.headers;
    const retryAfterMs = retryAfterOf(headers);
    const base = { status, message, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    return withShouldRetry(statusFailure(status, errorCodes(error), base), shouldRetryOf(headers));
  }
  const event = streamedErrorOf(error) ?? streamedErrorOf(e.cause);
  if (event !== undefined) {
    // An answer that failed after its 200 headers: the provider's error came as an event of the
    // stream, without an HTTP status; its type says whether asking again can help.
    const said = `${message.replace(/[\s.]+$/, "")} (an error event in the streamed answer${event.type === undefined ? "" : `, type ${event.type}`})`;
    const type = `${event.type ?? ""} ${event.code ?? ""}`;
    if (/rate_limit|too_many_requests/i.test(type))
      return { kind: "rate-limit", retryable: true, message: said };
    if (/invalid_request|authentication|permission|not_found|invalid_api_key|context_length/i.test(type)) {
      return { kind: "client", retryable: false, message: said };
    }
    // server_error, overloaded, or a type this code does not know: the answer broke off on the
    // provider's side, as a cut connection does, and the next one may come whole.
    return { kind: "server", retryable: true, message: said };
  }
  const name = typeof e.name === "string" ? e.name : "";
  const fetchTimeout =
    fetchTimeoutOf(error) ?? (/waiting for response headers/i.test(message) ? HEADERS_TIMEOUT : undefined);
  if (fetchTimeout !== undefined) {
    return {
      kind: "timeout",
      retryable: true,
      message: fetchTimeout,
      ...(fetchTimeout === CONNECT_TIMEOUT ? {} : { namesTimeout: true }),
    };
  }
  // The OpenAI SDK's own timeout, as LangChain rethrows it (a TimeoutError "Request timed out.",
  // without the cause; the SDK says in its message when fetch's headersTimeout was the one).
  if (name === "TimeoutError" || name === "APIConnectionTimeoutError") {
    return clientTimeout(message.replace(/[\s.]+$/, ""), call);
  }
  const text = `${name} ${message} ${String(e.code ?? "")} ${causeText(e.cause)}`;
  // A timeout of something else (a proxy's "Gateway timed out", a client's own error class): its
  // words say what it was, and no setting of the caller's is known to have run out.
  if (/timeout|timed out/i.test(text)) return { kind: "timeout", retryable: true, message };
  if (
    /connection|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|socket hang up|fetch failed|network|terminated/i.test(
      text,
    )
  ) {
    // undici's bare "terminated": the socket closed while the answer was being read.
    const said = /^terminated$/i.test(message)
      ? "the connection closed while the answer was being read (terminated)"
      : message;
    return { kind: "connection", retryable: true, message: said };
  }
  if (error instanceof SyntaxError || /JSON|Unexpected end|Unexpected token/.test(text)) {
    return {
      kind: "malformed-response",
      retryable: true,
      message: `the provider's answer is not valid JSON (${message})`,
    };
  }
  // Not retried by the step (it may be a bug in the caller's own model class), but not known to
  // fail again either: a retry() around the step still retries it (see failedCallsDetails).
  return { kind: "unknown", retryable: false, message };
}

/** A failure by its HTTP status and the provider's error codes. */
function statusFailure(
  status: number,
  codes: readonly string[],
  base: Pick<ProviderFailure, "status" | "message" | "retryAfterMs">,
): ProviderFailure {
  // OpenAI answers an account out of credit with a 429 too; no wait brings the credit back.
  if (status === 429 && codes.includes("insufficient_quota"))
    return { kind: "quota", retryable: false, ...base };
  if (status === 429) return { kind: "rate-limit", retryable: true, ...base };
  if (status === 408) return { kind: "timeout", retryable: true, ...base };
  // A lock on the request's resource timed out (OpenAI): it passes once the other request ends,
  // so it is retried, but it is no outage of the provider's and its advice says so.
  if (status === 409) return { kind: "conflict", retryable: true, ...base };
  if (transientStatus(status)) return { kind: "server", retryable: true, ...base };
  return { kind: "client", retryable: false, ...base };
}

/**
 * A failure by its status, with the provider's `x-should-retry` word applied, as in OpenAI's own
 * client (openai-node's shouldRetry): `false` stops any retry (a 500 it knows will fail again);
 * `true` retries a request refused for itself (a 400, a 422 it knows will pass), but never an
 * account out of quota, a key refused (401/403) or an unknown model (404): those fail for every
 * item, and a batch stops on them only while they are not retryable. The message says what the
 * provider said only when that changed the decision the status made.
 */
function withShouldRetry(failure: ProviderFailure, said: boolean | undefined): ProviderFailure {
  if (said === undefined) return failure;
  const systemic =
    failure.kind === "quota" || failure.status === 401 || failure.status === 403 || failure.status === 404;
  const retryable = said && systemic ? failure.retryable : said;
  if (retryable === failure.retryable) return { ...failure, shouldRetry: said };
  return {
    ...failure,
    retryable,
    shouldRetry: said,
    message: `${failure.message.replace(/[\s.]+$/, "")} (the provider said x-should-retry: ${said})`,
  };
}

/**
 * The provider's `x-should-retry` header (a Headers object or a record): true or false when it
 * says so in those words, as OpenAI's client reads it; undefined when absent or anything else.
 */
export function shouldRetryOf(headers: unknown): boolean | undefined {
  if (headers === null || typeof headers !== "object") return undefined;
  const value =
    typeof (headers as Headers).get === "function"
      ? (headers as Headers).get("x-should-retry")
      : (headers as Record<string, unknown>)["x-should-retry"];
  return value === "true" ? true : value === "false" ? false : undefined;
}

/**
 * The HTTP status an error carries, in the shapes clients give it: `status` (the OpenAI and
 * Anthropic SDKs, which LangChain's ChatOpenAI keeps on the error it rethrows, or on its cause),
 * `statusCode`, `status_code` (ollama-js's `ResponseError`), `response.status` (axios-style),
 * `$metadata.httpStatusCode` (the AWS SDK, Bedrock). Undefined when none says a 1xx-5xx number.
 * A number at the start of the message is not read: "404 items not found" from a step's own code
 * is no HTTP answer, and the SDKs that put the status there ("429 Rate limit reached") set a field too.
 */
function statusOf(error: unknown): number | undefined {
  const e = (typeof error === "object" && error !== null ? error : {}) as {
    status?: unknown;
    statusCode?: unknown;
    status_code?: unknown;
    response?: { status?: unknown } | null;
    $metadata?: { httpStatusCode?: unknown } | null;
  };
  for (const value of [
    e.status,
    e.statusCode,
    e.status_code,
    e.response?.status,
    e.$metadata?.httpStatusCode,
  ]) {
    if (typeof value === "number" && Number.isInteger(value) && value >= 100 && value < 600) return value;
  }
  return undefined;
}

/**
 * The error event of a streamed answer, as the OpenAI SDK throws it: an `APIError` with no status
 * whose `error` is the event's `{ message, type, code }`. Undefined for anything else.
 */
function streamedErrorOf(error: unknown): { type?: string; code?: string } | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { error?: unknown; type?: unknown; code?: unknown; status?: unknown };
  if (e.status !== undefined || typeof e.error !== "object" || e.error === null) return undefined;
  const body = e.error as { message?: unknown; type?: unknown; code?: unknown };
  if (typeof body.message !== "string") return undefined;
  const type = typeof e.type === "string" ? e.type : typeof body.type === "string" ? body.type : undefined;
  const code = typeof e.code === "string" ? e.code : typeof body.code === "string" ? body.code : undefined;
  return { ...(type === undefined ? {} : { type }), ...(code === undefined ? {} : { code }) };
}

/** The provider's error `code` and `type` (the OpenAI SDK keeps them on the error), on the error or its cause. */
function errorCodes(error: unknown): string[] {
  const out: string[] = [];
  for (const e of [error, (error as { cause?: unknown } | null)?.cause]) {
    if (typeof e !== "object" || e === null) continue;
    const { code, type } = e as { code?: unknown; type?: unknown };
    if (typeof code === "string") out.push(code);
    if (typeof type === "string") out.push(type);
  }
  return out;
}

/** Reads `retry-after-ms` or `Retry-After` (seconds or an HTTP date) from a Headers object or record. */
export function retryAfterOf(headers: unknown): number | undefined {
  const get = (name: string): string | null | undefined => {
    if (headers === null || typeof headers !== "object") return undefined;
    if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name);
    const record = headers as Record<string, unknown>;
    const value = record[name] ?? record[name.toLowerCase()];
    return typeof value === "string" ? value : undefined;
  };
  const ms = Number(get("retry-after-ms"));
  if (Number.isFinite(ms) && ms >= 0 && get("retry-after-ms")) return ms;
  const after = get("retry-after");
  if (!after) return undefined;
  const seconds = Number(after);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * The model client's "Request timed out": its own `timeout`, unless the call failed before that
 * had passed (then a timeout below it, which the client reports the same way: the network's, a
 * proxy's, fetch's connect timeout). A client Catena built for a model id has no instance whose
 * `timeout` the user could raise.
 */
function clientTimeout(said: string, call: FailedCallContext | undefined): ProviderFailure {
  const limit = call?.clientTimeoutMs;
  // The client starts its timer after the call began, so its own timeout never fires sooner;
  // the margin is for timers that fire a little early.
  if (call !== undefined && limit !== undefined && call.elapsedMs + 50 < limit) {
    return {
      kind: "timeout",
      retryable: true,
      message: `the request timed out after ${Math.round(call.elapsedMs)} ms (${said}), before the model client's own \`timeout\` (${limit} ms) had passed: a timeout of the connection, the network or a proxy, not a setting of the step's or the client's`,
    };
  }
  const fix = call?.fromId
    ? "Catena builds the client of a model given as an id with its provider's default `timeout`; to wait longer, pass a chat model instance with a larger `timeout` as the step's `model`"
    : "raise the `timeout` of the model instance";
  return {
    kind: "timeout",
    retryable: true,
    message: `the model's client gave up waiting (${said}): its own \`timeout\` passed, which the step's \`callTimeoutMs\` does not set; ${fix}`,
    namesTimeout: true,
  };
}

const HEADERS_TIMEOUT =
  "the provider sent no response headers within the HTTP client's `headersTimeout` (UND_ERR_HEADERS_TIMEOUT); raise `headersTimeout` of the fetch dispatcher the model's client uses";

// Named, but not "raise it" first: a connection that does not come is more often a wrong address
// or a network down than a slow provider.
const CONNECT_TIMEOUT =
  "no connection to the provider within the HTTP client's connect timeout (UND_ERR_CONNECT_TIMEOUT); check the base URL and the network, or raise `connect.timeout` of the fetch dispatcher the model's client uses";

/**
 * The timeouts of Node's fetch (undici) itself, found on the error or down its causes (the OpenAI
 * SDK wraps fetch's `TypeError: fetch failed`, whose cause is undici's error): no headers within
 * `headersTimeout`, a body idle longer than `bodyTimeout`, no connection within the connect
 * timeout. None is the step's `callTimeoutMs` or the SDK's `timeout`, so the message names the
 * option that ran out. Undefined for any other error.
 */
function fetchTimeoutOf(error: unknown): string | undefined {
  let e = error;
  for (let depth = 0; depth < 5 && typeof e === "object" && e !== null; depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === "UND_ERR_HEADERS_TIMEOUT") return HEADERS_TIMEOUT;
    if (code === "UND_ERR_BODY_TIMEOUT") {
      return "the answer stalled mid-body longer than the HTTP client's `bodyTimeout` (UND_ERR_BODY_TIMEOUT); raise `bodyTimeout` of the fetch dispatcher the model's client uses";
    }
    if (code === "UND_ERR_CONNECT_TIMEOUT") return CONNECT_TIMEOUT;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function causeText(cause: unknown): string {
  if (typeof cause !== "object" || cause === null) return "";
  const c = cause as { name?: unknown; message?: unknown; code?: unknown };
  return `${String(c.name ?? "")} ${String(c.message ?? "")} ${String(c.code ?? "")}`;
}
