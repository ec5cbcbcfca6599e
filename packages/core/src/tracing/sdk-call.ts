import { CatenaError } from "../errors/catena-error.ts";
import { TracingUnavailableError } from "./tracing-errors.ts";

/**
 * Runs a request of the SDK client and turns its failures into a {@link TracingUnavailableError}
 * that says what Catena tried, where, and what to check. Catena errors pass through unchanged.
 */
export async function sdkCall<T>(url: string, action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw backendError(error, url, action);
  }
}

/** The error to throw when the backend at `url` failed to `action` (e.g. "list runs"). */
export function backendError(error: unknown, url: string, action: string): CatenaError {
  if (CatenaError.isInstance(error)) return error;
  const status = statusOf(error);
  const detail = refusalDetail(error);
  const reason =
    detail ?? (error instanceof Error ? error.message.replace(/^Cancelled: /, "") : String(error));
  const hint =
    status === 401 || status === 403
      ? "check LANGSMITH_API_KEY (or CATENA_STUDIO_API_KEY for a studio that requires a key)"
      : isRefusal(status)
        ? `the backend refused the request (HTTP ${status}): fix what it names`
        : "check that the backend runs there (LANGSMITH_ENDPOINT, CATENA_STUDIO_URL) and is reachable";
  return new TracingUnavailableError(`Could not ${action} on ${url}: ${reason}; ${hint}.`, {
    cause: error,
    details: { url, action, ...(status === undefined ? {} : { status }) },
  });
}

/** True when the SDK reported an HTTP 404. */
export function isNotFound(error: unknown): boolean {
  return statusOf(error) === 404 || (error as { name?: unknown } | null)?.name === "LangSmithNotFoundError";
}

/**
 * The backend's own words when it refused a request as invalid (HTTP 400, 409, 413, 415 or 422):
 * the `detail` of its JSON error body: the resource clients (`client.runs.query`) keep the body as
 * `error.error`, the classic `Client` only quotes it in its message (`... Received status [422]:
 * ... Message: {"detail": "..."}`). Undefined for any other error.
 */
export function refusalDetail(error: unknown): string | undefined {
  if (!isRefusal(statusOf(error)) || !(error instanceof Error)) return undefined;
  const kept = (error as { error?: { detail?: unknown } }).error?.detail;
  if (typeof kept === "string" && kept !== "") return kept;
  const body = /Message: (\{.*\})\s*$/s.exec(error.message)?.[1];
  if (body === undefined) return undefined;
  try {
    const detail = (JSON.parse(body) as { detail?: unknown }).detail;
    return typeof detail === "string" && detail !== "" ? detail : undefined;
  } catch {
    return undefined;
  }
}

/** A status that says the request itself was wrong (not the key, not a missing thing, not the server). */
function isRefusal(status: number | undefined): status is number {
  return status === 400 || status === 409 || status === 413 || status === 415 || status === 422;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === "number") return status;
  const match = error instanceof Error ? /Received status \[(\d{3})\]/.exec(error.message) : null;
  return match ? Number(match[1]) : undefined;
}
