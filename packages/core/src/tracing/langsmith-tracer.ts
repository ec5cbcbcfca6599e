import { Client } from "langsmith/client";
import { NOOP_SPAN, STDERR_LOGGER } from "../runtime/quiet-defaults.ts";
import type {
  FlushResult,
  Logger,
  RootSpanInfo,
  SpanInfo,
  SpanLocation,
  Tracer,
  TraceSpan,
} from "../types.ts";
import { GuardedFetch } from "./guarded-fetch.ts";
import { langsmithSettingsFromEnv } from "./langsmith-settings.ts";
import { LangsmithSpan, type SpanHost } from "./langsmith-span.ts";
import type { RunRecord } from "./run-record.ts";
import { TraceExporter } from "./trace-exporter.ts";
import { TracingConfigError } from "./tracing-errors.ts";

/** Which part of a run a redaction hook is called for. */
export type RedactedPart = "inputs" | "outputs" | "error";

/** Options of {@link langsmithTracer}. Unset values come from the LangSmith environment variables. */
export interface LangsmithTracerOptions {
  /** Endpoint; default `LANGSMITH_ENDPOINT`, else LangSmith's cloud. */
  apiUrl?: string;
  /** API key; default `LANGSMITH_API_KEY`. */
  apiKey?: string;
  /** Project of runs whose chain names none in its metadata (`project`); default `LANGSMITH_PROJECT`, else `"default"`. */
  project?: string;
  /** Share of chain runs traced, in [0, 1]; default `LANGSMITH_TRACING_SAMPLING_RATE`, else 1. Runs left out cost nothing. */
  sampleRate?: number;
  /** Send no inputs (every run's inputs become `{}`). */
  hideInputs?: boolean;
  /** Send no outputs. */
  hideOutputs?: boolean;
  /**
   * Rewrites inputs, outputs and error texts before they leave the chain's thread (e.g. masks
   * e-mail addresses). Return a new object, never mutate the one given.
   */
  redact?: (values: Record<string, unknown>, part: RedactedPart) => Record<string, unknown>;
  /** How long `flush()` waits at most, in milliseconds; default 5000. */
  flushTimeoutMs?: number;
  /** Timeout of each HTTP request, in milliseconds; default 10000. */
  requestTimeoutMs?: number;
  /** Where tracing problems are reported (once each); default: warnings on stderr. */
  logger?: Logger;
  /**
   * How runs are uploaded. `"json"` (the default) asks a Catena studio for JSON batches, which
   * cost the SDK about a third of multipart's CPU per run (Catena's runs carry no attachments);
   * `"multipart"` uses LangSmith's default route everywhere. LangSmith itself always gets multipart.
   */
  ingest?: "json" | "multipart";
  /**
   * Keep LangChain's internal runnables of an llm step's model call (structured output's
   * `RunnableSequence`, `RunnableMap`, ...) as runs of their own under the step's run, for
   * debugging LangChain itself; default `CATENA_TRACE_LANGCHAIN=1`, else off: the step's run is
   * the model call, with its messages, answer, usage and model.
   */
  langchainRuns?: boolean;
}

const DEFAULT_FLUSH_TIMEOUT_MS = 5000;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const MAX_REPORTS = 5;

/**
 * A {@link Tracer} that sends every chain run to LangSmith (or the local studio, which speaks the
 * same API) through the official SDK: a chain run is a root run whose id is Catena's run id, each
 * step a child run. Spans are plain records on the chain's thread; a worker thread turns them into
 * run payloads and hands the SDK's `Client` whole batches to upload (`batchIngestRuns`, or
 * multipart where the backend asks for it), so that tracing costs a chain microseconds per run.
 * `flush()` waits for the upload, bounded.
 *
 * @example
 * const tracer = langsmithTracer({ project: "triage" });
 * const r = await run(supportTriage, { text: "Where is my parcel?" }, { tracer });
 * await tracer.flush();
 */
export class LangsmithTracer implements Tracer, SpanHost {
  /** Where runs go. */
  readonly apiUrl: string;
  /** The default project. */
  readonly project: string;
  private readonly apiKey: string | undefined;
  private readonly sampleRate: number;
  private readonly flushTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly options: LangsmithTracerOptions;
  private readonly logger: Logger;
  private readonly exporter: TraceExporter;
  private readonly reported = new Set<string>();
  private langchain: { client: Client; guard: GuardedFetch } | undefined;
  private closed = false;
  /** Whether LangChain's internal runnables of a model call become runs (`langchainRuns`). */
  readonly keepLangchainRuns: boolean;

  constructor(options: LangsmithTracerOptions = {}) {
    const env = langsmithSettingsFromEnv();
    this.options = options;
    this.apiUrl = (options.apiUrl ?? env.apiUrl).replace(/\/+$/, "");
    this.apiKey = options.apiKey ?? env.apiKey;
    this.project = options.project ?? env.project;
    this.flushTimeoutMs = positive(options.flushTimeoutMs, "flushTimeoutMs") ?? DEFAULT_FLUSH_TIMEOUT_MS;
    this.requestTimeoutMs =
      positive(options.requestTimeoutMs, "requestTimeoutMs") ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.logger = options.logger ?? STDERR_LOGGER;
    this.sampleRate = sampleRateOf(options.sampleRate);
    this.keepLangchainRuns = options.langchainRuns ?? process.env.CATENA_TRACE_LANGCHAIN?.trim() === "1";
    this.exporter = new TraceExporter(
      {
        apiUrl: this.apiUrl,
        ...(this.apiKey === undefined ? {} : { apiKey: this.apiKey }),
        requestTimeoutMs: this.requestTimeoutMs,
        ingest: options.ingest ?? "json",
      },
      (problem) => this.report(problem),
    );
  }

  /** Starts the root run of a chain run; its id is the chain run's id. */
  startRun(info: RootSpanInfo): TraceSpan {
    if (this.closed) return NOOP_SPAN;
    // Runs left out by sampling get the no-op span: they cost nothing.
    if (this.sampleRate < 1 && Math.random() >= this.sampleRate) return NOOP_SPAN;
    try {
      const { runId, project, referenceExampleId, ...span } = info;
      const rooted =
        this.sampleRate < 1
          ? { ...span, metadata: { ...span.metadata, ls_tracing_sample_rate: this.sampleRate } }
          : span;
      return LangsmithSpan.root(this, rooted, runId, project ?? this.project, referenceExampleId);
    } catch (error) {
      this.report(error);
      return NOOP_SPAN;
    }
  }

  /**
   * Continues the root run of a run that paused at a review (its snapshot says where): the
   * resumed steps nest under it and ending it updates the run's status, outputs and end time.
   * A resumed run is always traced: the run it continues was sampled in.
   */
  continueRun(info: SpanInfo & { location: SpanLocation }): TraceSpan {
    if (this.closed) return NOOP_SPAN;
    try {
      const { location, ...span } = info;
      return LangsmithSpan.continued(this, span, location);
    } catch (error) {
      this.report(error);
      return NOOP_SPAN;
    }
  }

  /**
   * Sends what is buffered and waits until the backend has it, at most `timeoutMs` (default
   * `flushTimeoutMs`). Never throws; the result says whether everything got through.
   */
  async flush(timeoutMs: number = this.flushTimeoutMs): Promise<FlushResult> {
    const t0 = performance.now();
    const [exported, langchain] = await Promise.all([
      this.exporter.flush(timeoutMs),
      this.flushLangchain(timeoutMs),
    ]);
    const failed = exported.failed + langchain.count;
    // Failures a retry made good do not make the flush fail; lost runs do.
    const lost = exported.lost || (langchain.count > 0 && !langchain.healthy);
    const status = exported.status === "timeout" || langchain.timedOut ? "timeout" : lost ? "failed" : "sent";
    const result: FlushResult = { status, failedRequests: failed, ms: performance.now() - t0 };
    const problem = exported.problem ?? langchain.lastProblem;
    if (problem !== undefined) result.problem = problem;
    return result;
  }

  /**
   * Stops tracing: later runs are not traced, uploads still running are cut and unsent runs are
   * dropped, so that nothing holds the process. Call `flush()` first to send what is buffered.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.exporter.close();
    this.langchain?.guard.close();
    this.langchain?.client.cleanup();
  }

  /** Applies hiding and redaction, then hands the run to the export worker. */
  export(record: RunRecord): void {
    const { redact, hideInputs, hideOutputs } = this.options;
    if (hideInputs === true) record.inputs = {};
    else if (redact) record.inputs = redact(record.inputs, "inputs");
    if (record.outputs !== undefined) {
      if (hideOutputs === true) record.outputs = {};
      else if (redact) record.outputs = redact(record.outputs, "outputs");
    }
    if (record.error !== undefined && redact) {
      const error = redact({ error: record.error }, "error").error;
      if (typeof error === "string") record.error = error;
    }
    this.exporter.send(record);
  }

  /** Logs a tracing problem once (at most a few distinct ones): tracing never fails a chain. */
  report(problem: unknown): void {
    const message = problem instanceof Error ? problem.message : String(problem);
    if (this.reported.has(message) || this.reported.size >= MAX_REPORTS) return;
    this.reported.add(message);
    this.logger.warn(`tracing to ${this.apiUrl}: ${message}`);
  }

  /**
   * The SDK client, on this thread, that LangChain's tracer sends a step's LangChain runs through
   * (an LLM call lasts long enough for its tracing to run here); made on first use.
   */
  langchainClient(): Client {
    if (this.langchain === undefined) {
      const guard = new GuardedFetch({ onTrouble: (problem) => this.report(problem) });
      const { redact, hideInputs, hideOutputs } = this.options;
      const client = new Client({
        apiUrl: this.apiUrl,
        ...(this.apiKey === undefined ? {} : { apiKey: this.apiKey }),
        timeout_ms: this.requestTimeoutMs,
        autoBatchTracing: true,
        blockOnRootRunFinalization: false,
        callerOptions: { maxRetries: 2 },
        disablePromptCache: true,
        fetchImplementation: guard.fetch,
        // The chain run was sampled in when its root started; LangChain's runs go with it.
        tracingSamplingRate: 1,
        ...(hideInputs === true
          ? { hideInputs: true }
          : redact
            ? { hideInputs: (v) => redact(v, "inputs") }
            : {}),
        ...(hideOutputs === true
          ? { hideOutputs: true }
          : redact
            ? { hideOutputs: (v) => redact(v, "outputs") }
            : {}),
      });
      this.langchain = { client, guard };
    }
    return this.langchain.client;
  }

  private async flushLangchain(
    timeoutMs: number,
  ): Promise<{ count: number; lastProblem?: string; timedOut: boolean; healthy: boolean }> {
    const langchain = this.langchain;
    if (langchain === undefined) return { count: 0, timedOut: false, healthy: true };
    let timer: NodeJS.Timeout | undefined;
    const drained = (async () => {
      // LangChain hands runs to its tracer in the background; wait for those first.
      const { awaitAllCallbacks } = await import("@langchain/core/callbacks/promises");
      await awaitAllCallbacks();
      await langchain.client.flush();
      await langchain.client.awaitPendingTraceBatches();
      return false;
    })().catch(() => false);
    const timedOut = await Promise.race([
      drained,
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    return { ...langchain.guard.takeTrouble(), timedOut, healthy: langchain.guard.healthy };
  }
}

/**
 * Creates a {@link LangsmithTracer}; pass it as `tracer` to `run`, `resume` or `runBatch`.
 *
 * @example
 * const tracer = langsmithTracer({ hideInputs: true, sampleRate: 0.25 });
 * await runBatch(chain, items, { tracer });
 * await tracer.flush();
 */
export function langsmithTracer(options: LangsmithTracerOptions = {}): LangsmithTracer {
  return new LangsmithTracer(options);
}

function sampleRateOf(option: number | undefined): number {
  const fromEnv = process.env.LANGSMITH_TRACING_SAMPLING_RATE ?? process.env.LANGCHAIN_TRACING_SAMPLING_RATE;
  const rate = option ?? (fromEnv === undefined || fromEnv.trim() === "" ? 1 : Number(fromEnv));
  if (!(rate >= 0 && rate <= 1)) {
    const source = option === undefined ? "LANGSMITH_TRACING_SAMPLING_RATE" : "sampleRate";
    throw new TracingConfigError(
      `${source} must be in [0, 1] (got ${option ?? fromEnv}); 0.1 traces one chain run in ten.`,
      { details: { sampleRate: option ?? fromEnv } },
    );
  }
  return rate;
}

function positive(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new TracingConfigError(`${name} must be a positive number of milliseconds (got ${value}).`, {
      details: { [name]: value },
    });
  }
  return value;
}
