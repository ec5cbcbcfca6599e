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
  /** Lets go of the client (and stops the local studio); called again, answers the first call's promise. */
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
      close: once(async () => client.client.cleanup()),
    };
  }
  const apiKey = env.CATENA_STUDIO_API_KEY?.trim() || undefined;
  const studio = await startLocalStudio(apiKey);
  const client = traceClient({ apiUrl: studio.url, apiKey: apiKey ?? STUDIO_PLACEHOLDER_KEY });
  return {
    client,
    where: `the local studio (${studio.dbPath})`,
    close: once(async () => {
      client.client.cleanup();
      await studio.close();
    }),
  };
}

/**
 * `close` run on the first call only, every call answered with its one promise: a Ctrl-C that
 * lands while a command closes its reader waits for that close instead of starting another over it.
 */
function once(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= close();
    return closing;
  };
}
