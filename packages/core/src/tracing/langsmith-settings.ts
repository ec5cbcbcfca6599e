import { TracingConfigError } from "./tracing-errors.ts";

/** Where the LangSmith SDK sends by default when no endpoint is configured. */
export const LANGSMITH_CLOUD_URL = "https://api.smith.langchain.com";

/** Endpoint, key and project as the environment sets them for the LangSmith SDK. */
export interface LangsmithSettings {
  apiUrl: string;
  apiKey?: string;
  project: string;
}

/**
 * Reads the LangSmith variables the way the SDK does (`LANGSMITH_X`, then the older `LANGCHAIN_X`):
 * endpoint, API key and project (default `"default"`).
 */
export function langsmithSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): LangsmithSettings {
  const apiUrl = (
    nonEmpty(env.LANGSMITH_ENDPOINT) ??
    nonEmpty(env.LANGCHAIN_ENDPOINT) ??
    LANGSMITH_CLOUD_URL
  ).replace(/\/+$/, "");
  const apiKey = nonEmpty(env.LANGSMITH_API_KEY) ?? nonEmpty(env.LANGCHAIN_API_KEY);
  const project =
    nonEmpty(env.LANGSMITH_PROJECT) ??
    nonEmpty(env.LANGCHAIN_PROJECT) ??
    nonEmpty(env.LANGCHAIN_SESSION) ??
    "default";
  return apiKey === undefined ? { apiUrl, project } : { apiUrl, apiKey, project };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim().replace(/^["']|["']$/g, "");
  return trimmed ? trimmed : undefined;
}

/**
 * The URL a variable such as `CATENA_STUDIO_URL` or `LANGSMITH_ENDPOINT` names, without trailing
 * slashes; a value that is not an http(s) URL is a {@link TracingConfigError} naming the variable,
 * instead of the SDK's `Failed to parse URL from .../runs/multipart` on every send.
 *
 * @example
 * backendUrl("CATENA_STUDIO_URL", "127.0.0.1:1984") // throws: ... is not an http(s) URL ...
 */
export function backendUrl(variable: string, value: string): string {
  const url = value.trim().replace(/\/+$/, "");
  let protocol: string | undefined;
  try {
    protocol = new URL(url).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== "http:" && protocol !== "https:") {
    throw new TracingConfigError(
      `${variable} ${JSON.stringify(value)} is not an http(s) URL: give the full address, e.g. http://127.0.0.1:1984 for \`catena studio\`.`,
      { details: { variable, value } },
    );
  }
  return url;
}
