import { Client } from "langsmith/client";
import { GuardedFetch } from "./guarded-fetch.ts";
import { backendUrl, langsmithSettingsFromEnv } from "./langsmith-settings.ts";
import { TracingConfigError } from "./tracing-errors.ts";

/** The API key the SDK sends to a studio that does not require one (it wants some key to send). */
export const STUDIO_PLACEHOLDER_KEY = "catena-studio";

/** An SDK client for reading runs and writing feedback, and the URL it talks to (for messages). */
export interface TraceClient {
  client: Client;
  url: string;
}

/**
 * An SDK client for reads and feedback (no sampling, no background batching of its own calls).
 * `webUrl` is where the SDK's links (`getRunUrl`, `shareRun`, `readDatasetSharedSchema`) point:
 * give a studio's own URL, since the SDK sends every local API URL's links to
 * `http://localhost:3000` and learns no web URL from the backend.
 *
 * @example
 * const { client } = traceClient({ apiUrl: studio.url, webUrl: studio.url });
 */
export function traceClient(options: {
  apiUrl: string;
  apiKey?: string;
  timeoutMs?: number;
  webUrl?: string;
}): TraceClient {
  const url = options.apiUrl.replace(/\/+$/, "");
  const client = new Client({
    apiUrl: url,
    ...(options.webUrl === undefined ? {} : { webUrl: options.webUrl.replace(/\/+$/, "") }),
    apiKey: options.apiKey ?? STUDIO_PLACEHOLDER_KEY,
    timeout_ms: options.timeoutMs ?? 15_000,
    disablePromptCache: true,
    // Feedback is sent at once rather than batched with traces, so that errors reach the caller.
    autoBatchTracing: false,
    // A backend that is not running answers at once instead of after the SDK's retries.
    fetchImplementation: new GuardedFetch({ breaker: false }).fetch,
  });
  return { client, url };
}

/**
 * The client `feedback`, `listTraces` and the other readers use when given none: LangSmith when
 * `LANGSMITH_API_KEY` is set, else the studio at `CATENA_STUDIO_URL`.
 */
export function traceClientFromEnv(env: NodeJS.ProcessEnv = process.env): TraceClient {
  const settings = langsmithSettingsFromEnv(env);
  if (settings.apiKey !== undefined) {
    return traceClient({
      apiUrl: backendUrl("LANGSMITH_ENDPOINT", settings.apiUrl),
      apiKey: settings.apiKey,
    });
  }
  if (env.CATENA_STUDIO_URL?.trim()) {
    const studioUrl = backendUrl("CATENA_STUDIO_URL", env.CATENA_STUDIO_URL);
    const key = env.CATENA_STUDIO_API_KEY?.trim();
    // The studio serves its page at the paths the SDK's links take (/o/..., /public/{token}/r).
    return traceClient(
      key ? { apiUrl: studioUrl, apiKey: key, webUrl: studioUrl } : { apiUrl: studioUrl, webUrl: studioUrl },
    );
  }
  throw new TracingConfigError(
    "No trace backend configured: set LANGSMITH_API_KEY (and LANGSMITH_ENDPOINT for a self-hosted LangSmith), or CATENA_STUDIO_URL to a running `catena studio`, or pass { client } (e.g. the `client` of tracerFromEnv()).",
  );
}
