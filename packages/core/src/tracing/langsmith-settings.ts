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
