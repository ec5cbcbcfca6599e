import type { Logger, Tracer } from "@catena/core";
import type { TracingBackend } from "@catena/core/tracing";
import type { CommandContext } from "../command-context.ts";
import type { GlobalOptions } from "../global-options.ts";
import { startLocalStudio } from "./local-studio.ts";

/** How long `catena run` waits at exit for its traces to reach the backend. */
export const TRACE_FLUSH_MS = 5000;
/** How long `catena batch` waits: a large batch leaves many traces, worth waiting longer for. */
export const BATCH_TRACE_FLUSH_MS = 30_000;

const SILENT: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Tracing for one command: the tracer to give runs, and what to do before exiting. */
export interface CliTracing {
  /** Undefined when tracing is off (`--no-trace`, `LANGSMITH_TRACING=false`) or could not start. */
  tracer?: Tracer;
  backend?: TracingBackend;
  /** Flushes (bounded), stops the in-process studio, warns when traces were lost. */
  finish(): Promise<void>;
}

/**
 * Sets up tracing for `run` and `batch`: LangSmith when `LANGSMITH_API_KEY` is set, a studio at
 * `CATENA_STUDIO_URL`, else the local studio started in this process on the default database
 * (`CATENA_STUDIO_DB` overrides it), so that `catena traces` shows the runs afterwards. Tracing
 * never stops a command: when it cannot start, the command runs untraced after a one-line warning.
 */
export async function startCliTracing(
  ctx: CommandContext,
  globals: GlobalOptions,
  options: { flushTimeoutMs?: number } = {},
): Promise<CliTracing> {
  const flushMs = options.flushTimeoutMs ?? TRACE_FLUSH_MS;
  const off: CliTracing = { finish: async () => {} };
  if (!globals.trace) return off;
  let backend: TracingBackend | undefined;
  try {
    // Loaded here, not at the top: the langsmith SDK costs start-up time that `--no-trace` should not pay.
    const { tracerFromEnv } = await import("@catena/core/tracing");
    backend = await tracerFromEnv({
      startStudio: ({ apiKey }) => startLocalStudio(apiKey),
      // Problems are reported once, by finish(), from the flush result.
      tracer: { logger: SILENT },
    });
  } catch (error) {
    ctx.io.err(
      `catena: warning: running without tracing: ${error instanceof Error ? error.message : String(error)} (--no-trace turns tracing off)\n`,
    );
    return off;
  }
  if (backend === undefined) return off;
  const started = backend;
  return {
    tracer: started.tracer,
    backend: started,
    async finish() {
      const result = await started.close(flushMs);
      if (result.status === "sent") return;
      const what =
        result.status === "timeout"
          ? `not all traces reached ${started.url} within ${flushMs / 1000} s${result.problem ? ` (${result.problem})` : ""}`
          : `traces could not be sent${result.problem ? `: ${result.problem}` : ` to ${started.url}`}`;
      ctx.io.err(`catena: warning: ${what}; the run itself is unaffected\n`);
    },
  };
}
