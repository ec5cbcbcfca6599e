import type { FlushResult } from "../types.ts";
import { backendUrl, langsmithSettingsFromEnv } from "./langsmith-settings.ts";
import { LangsmithTracer, type LangsmithTracerOptions } from "./langsmith-tracer.ts";
import { STUDIO_PLACEHOLDER_KEY, type TraceClient, traceClient } from "./trace-client.ts";

/** A local studio started for this process: where it listens, and how to stop it. */
export interface LocalStudio {
  url: string;
  close(): Promise<void>;
}

/** Options of {@link tracerFromEnv}. */
export interface TracerFromEnvOptions {
  /** Environment to read; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /**
   * Starts a local studio when neither `LANGSMITH_API_KEY` nor `CATENA_STUDIO_URL` is set, e.g.
   * `() => startStudio({ port: 0, dbPath })` from `@catena/studio`. Without it, tracing is off then.
   */
  startStudio?: (options: { apiKey?: string }) => Promise<LocalStudio>;
  /** Options for the tracer (project, sampling, redaction, ...); endpoint and key come from the env. */
  tracer?: Omit<LangsmithTracerOptions, "apiUrl" | "apiKey">;
}

/** A connected trace backend: the tracer to pass to runs and the SDK client to read and give feedback with. */
export interface TracingBackend {
  kind: "langsmith" | "studio";
  url: string;
  /** True when this process started the studio (it stops with `close()`). */
  inProcess: boolean;
  tracer: LangsmithTracer;
  /** A client on the same backend for `feedback`, `listTraces`, `readTrace` (usable until `close()`). */
  client: TraceClient;
  /** Flushes (bounded), then stops the tracer and the studio this process started. */
  close(timeoutMs?: number): Promise<FlushResult>;
}

/**
 * Picks the trace backend from the environment: `LANGSMITH_API_KEY` set → LangSmith
 * (`LANGSMITH_ENDPOINT` respected); else `CATENA_STUDIO_URL` → a studio already running there;
 * else the studio that `startStudio` starts in this process. Resolves to undefined when tracing is
 * off (`LANGSMITH_TRACING=false`, or no backend can be had).
 *
 * @example
 * const backend = await tracerFromEnv({ startStudio: () => startStudio({ port: 0 }) });
 * const r = await run(chain, input, backend ? { tracer: backend.tracer } : {});
 * await backend?.close();
 */
export async function tracerFromEnv(options: TracerFromEnvOptions = {}): Promise<TracingBackend | undefined> {
  const env = options.env ?? process.env;
  const off = (env.LANGSMITH_TRACING ?? env.LANGSMITH_TRACING_V2 ?? "").trim().toLowerCase();
  if (off === "false" || off === "0") return undefined;
  const settings = langsmithSettingsFromEnv(env);
  if (settings.apiKey !== undefined) backendUrl("LANGSMITH_ENDPOINT", settings.apiUrl);
  const tracerOptions = { ...options.tracer, project: options.tracer?.project ?? settings.project };
  if (settings.apiKey !== undefined) {
    const tracer = new LangsmithTracer({
      ...tracerOptions,
      apiUrl: settings.apiUrl,
      apiKey: settings.apiKey,
    });
    return backend("langsmith", tracer, settings.apiKey, false, async () => {});
  }
  const studioKey = env.CATENA_STUDIO_API_KEY?.trim() || undefined;
  const studioUrl = env.CATENA_STUDIO_URL?.trim()
    ? backendUrl("CATENA_STUDIO_URL", env.CATENA_STUDIO_URL)
    : undefined;
  if (studioUrl) {
    const tracer = new LangsmithTracer({
      ...tracerOptions,
      apiUrl: studioUrl,
      apiKey: studioKey ?? STUDIO_PLACEHOLDER_KEY,
    });
    return backend("studio", tracer, studioKey, false, async () => {});
  }
  if (!options.startStudio) return undefined;
  const studio = await options.startStudio(studioKey === undefined ? {} : { apiKey: studioKey });
  const tracer = new LangsmithTracer({
    ...tracerOptions,
    apiUrl: studio.url,
    apiKey: studioKey ?? STUDIO_PLACEHOLDER_KEY,
  });
  return backend("studio", tracer, studioKey, true, () => studio.close());
}

function backend(
  kind: TracingBackend["kind"],
  tracer: LangsmithTracer,
  apiKey: string | undefined,
  inProcess: boolean,
  stop: () => Promise<void>,
): TracingBackend {
  let closing: Promise<FlushResult> | undefined;
  const url = tracer.apiUrl;
  // A studio serves its page at the paths of the SDK's links (getRunUrl, shareRun): point them there.
  const web = kind === "studio" ? { webUrl: url } : {};
  const client = traceClient(
    apiKey === undefined ? { apiUrl: url, ...web } : { apiUrl: url, apiKey, ...web },
  );
  return {
    kind,
    url,
    inProcess,
    tracer,
    client,
    close(timeoutMs) {
      closing ??= (async () => {
        const result = await tracer.flush(timeoutMs);
        tracer.close();
        client.client.cleanup();
        await stop();
        return result;
      })();
      return closing;
    },
  };
}
