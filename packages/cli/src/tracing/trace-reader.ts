import {
  STUDIO_PLACEHOLDER_KEY,
  type TraceClient,
  traceClient,
  traceClientFromEnv,
} from "@catena/core/tracing";
import { startLocalStudio } from "./local-studio.ts";

/** A client to read traces and write feedback with, and how to let go of it. */
export interface TraceReader {
  client: TraceClient;
  /** `LangSmith at <url>`, `the studio at <url>` or `the local studio (<db path>)`, for messages. */
  where: string;
  close(): Promise<void>;
}

/**
 * Connects to where `catena run` traces: LangSmith when `LANGSMITH_API_KEY` is set, the studio at
 * `CATENA_STUDIO_URL`, else the local studio database, opened in this process for the command.
 */
export async function openTraceReader(): Promise<TraceReader> {
  const env = process.env;
  if (env.LANGSMITH_API_KEY?.trim() || env.LANGCHAIN_API_KEY?.trim() || env.CATENA_STUDIO_URL?.trim()) {
    const client = traceClientFromEnv(env);
    const langsmith = Boolean(env.LANGSMITH_API_KEY?.trim() || env.LANGCHAIN_API_KEY?.trim());
    return {
      client,
      where: `${langsmith ? "LangSmith" : "the studio"} at ${client.url}`,
      close: async () => client.client.cleanup(),
    };
  }
  const apiKey = env.CATENA_STUDIO_API_KEY?.trim() || undefined;
  const studio = await startLocalStudio(apiKey);
  const client = traceClient({ apiUrl: studio.url, apiKey: apiKey ?? STUDIO_PLACEHOLDER_KEY });
  return {
    client,
    where: `the local studio (${studio.dbPath})`,
    async close() {
      client.client.cleanup();
      await studio.close();
    },
  };
}
