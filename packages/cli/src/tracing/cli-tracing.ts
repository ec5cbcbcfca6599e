import type { FlushResult, Logger, Tracer } from "@catena/core";
import type { TracingBackend } from "@catena/core/tracing";
import type { CommandContext } from "../command-context.ts";
import { truncate } from "../format/truncate.ts";
import type { GlobalOptions } from "../global-options.ts";
import { startLocalStudio } from "./local-studio.ts";

/** How long `catena run` waits at exit for its traces to reach the backend. */
export const TRACE_FLUSH_MS = 5000;
/** How long `catena batch` waits: a large batch leaves many traces, worth waiting longer for. */
export const BATCH_TRACE_FLUSH_MS = 30_000;

const SILENT: Logger = { debug() {}, info() {}, warn() {}, error() {} };
/** How much of the backend's error the warning quotes: one line, not a response body. */
const PROBLEM_CHARS = 160;

/** Tracing for one command: the tracer to give runs, and what to do before exiting. */
export interface CliTracing {
  /** Undefined when tracing is off (`--no-trace`, `LANGSMITH_TRACING=false`) or could not start. */
  tracer?: Tracer;
  backend?: TracingBackend;
  /**
   * Flushes (bounded), stops the in-process studio, warns when traces were lost. Resolves to the
   * flush's result (undefined when tracing is off), so that a link to a trace is only printed
   * when the trace got there.
   */
  finish(): Promise<FlushResult | undefined>;
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
  options: { flushTimeoutMs?: number; oneRun?: boolean } = {},
): Promise<CliTracing> {
  const flushMs = options.flushTimeoutMs ?? TRACE_FLUSH_MS;
  const off: CliTracing = { finish: async () => undefined };
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
      if (result.status === "sent") return result;
      const problem = result.problem === undefined ? undefined : truncate(result.problem, PROBLEM_CHARS);
      const what =
        result.status === "timeout"
          ? `not all traces reached ${started.url} within ${flushMs / 1000} s${problem ? ` (${problem})` : ""}`
          : `${options.oneRun ? "the trace was" : "traces were"} not sent${problem ? `: ${problem}` : ` to ${started.url}`}; ${remedy(started)}`;
      ctx.io.err(`catena: warning: ${what}; the run itself is unaffected\n`);
      return result;
    },
  };
}

/** What to check when the backend could not be reached: the variable that points at it. */
function remedy(backend: TracingBackend): string {
  if (backend.kind === "langsmith") return "check LANGSMITH_ENDPOINT and LANGSMITH_API_KEY";
  if (backend.inProcess) return "check CATENA_STUDIO_DB, or trace to a running studio with CATENA_STUDIO_URL";
  return "start the studio with `catena studio` or check CATENA_STUDIO_URL";
}
