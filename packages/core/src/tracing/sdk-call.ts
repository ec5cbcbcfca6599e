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
  const reason = error instanceof Error ? error.message.replace(/^Cancelled: /, "") : String(error);
  const hint =
    status === 401 || status === 403
      ? "check LANGSMITH_API_KEY (or CATENA_STUDIO_API_KEY for a studio that requires a key)"
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

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === "number") return status;
  const match = error instanceof Error ? /Received status \[(\d{3})\]/.exec(error.message) : null;
  return match ? Number(match[1]) : undefined;
}
