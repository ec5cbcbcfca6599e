import type { Client } from "langsmith/client";
import { RunTree } from "langsmith/run_trees";
import { CatenaError } from "../errors/catena-error.ts";
import { newRunId } from "../ids/run-id.ts";
import { NOOP_SPAN } from "../runtime/quiet-defaults.ts";
import type { SpanAnnotation, SpanInfo, SpanLocation, SpanOutcome, TraceSpan } from "../types.ts";
import { idsOf, type RunRecord, type TraceInfo } from "./run-record.ts";

/** The tracer a span belongs to, as the span sees it. */
export interface SpanHost {
  /** Takes a finished run (hiding and redaction happen there) and exports it. */
  export(record: RunRecord): void;
  /** Logs a tracing problem: tracing problems are logged, never thrown into a chain. */
  report(problem: unknown): void;
  /** The SDK client LangChain's tracer sends through on this thread (see `langchainCallbacks`). */
  langchainClient(): Client;
  /** Whether LangChain's internal runnables of an llm step's model call become runs of their own. */
  readonly keepLangchainRuns: boolean;
}

/** What the spans of one trace share. */
interface TraceState {
  readonly traceId: string;
  readonly project: string;
  /** The root's start metadata and tags, inherited by every run of the trace. */
  readonly shared: TraceInfo;
  /** Whether `shared` went to the worker yet: it goes with the trace's first exported run. */
  announced: boolean;
  /** Execution order of the next run in the trace: it breaks ties in the dotted order within a millisecond. */
  order: number;
  /** Errors already stated in full on a run of the trace: their ancestors state them in short. */
  readonly stated: WeakSet<object>;
  /** The dataset example the root run answers (an experiment's run), if any. */
  readonly referenceExampleId?: string;
}

/**
 * A trace span: one LangSmith run, recorded in memory while it lasts and exported when it ends.
 * Ids (UUIDv7), trace id and dotted order are made here the way the SDK's `RunTree` makes them;
 * the export worker turns the run into its payload for the SDK, off the chain's thread. Nothing here
 * awaits or does I/O.
 */
export class LangsmithSpan implements TraceSpan {
  readonly active = true;
  /** The run id. */
  readonly id: string;
  readonly dottedOrder: string;
  private readonly host: SpanHost;
  private readonly trace: TraceState;
  private readonly parentId: string | undefined;
  private readonly info: SpanInfo;
  /**
   * Own metadata over the parent's, as `RunTree.createChild` merges them, but without the root's
   * (the worker adds those): less to hand over per run.
   */
  private readonly metadata: Record<string, unknown>;
  /** Epoch milliseconds, and the same instant as the microsecond ISO text of the dotted order. */
  private readonly startTime: number;
  private readonly startText: string;
  private ended = false;
  private annotation: SpanAnnotation | undefined;
  /** The run was sent by an earlier process: ending it updates it. */
  private readonly patch: boolean;

  constructor(
    host: SpanHost,
    trace: TraceState,
    info: SpanInfo,
    parent?: { id: string; dottedOrder: string; metadata: Record<string, unknown> },
    id: string = newRunId(),
    existing?: string,
  ) {
    this.host = host;
    this.trace = trace;
    this.info = info;
    this.id = id;
    this.patch = existing !== undefined;
    if (existing === undefined) {
      this.startTime = info.startTime ?? Date.now();
      const { segment, iso } = dottedSegment(this.startTime, trace.order++, id);
      this.startText = iso;
      this.dottedOrder = parent === undefined ? segment : `${parent.dottedOrder}.${segment}`;
      this.parentId = parent?.id;
    } else {
      const ids = idsOf(existing);
      this.startText = ids.startTime;
      this.startTime = Date.parse(ids.startTime);
      this.dottedOrder = existing;
      this.parentId = ids.parentId;
    }
    this.metadata = parent === undefined ? {} : { ...parent.metadata, ...info.metadata };
  }

  /** Starts the root span of a trace; its id is the trace id. */
  static root(
    host: SpanHost,
    info: SpanInfo,
    runId: string,
    project: string,
    referenceExampleId?: string,
  ): LangsmithSpan {
    const trace: TraceInfo = { metadata: info.metadata ?? {}, project };
    if (info.tags !== undefined) trace.tags = info.tags;
    const state: TraceState = {
      traceId: runId,
      project,
      shared: trace,
      announced: false,
      order: 1,
      stated: new WeakSet(),
    };
    return new LangsmithSpan(
      host,
      referenceExampleId === undefined ? state : { ...state, referenceExampleId },
      info,
      undefined,
      runId,
    );
  }

  /** The root span of a trace an earlier process started: new spans nest under it, ending it updates it. */
  static continued(host: SpanHost, info: SpanInfo, location: SpanLocation): LangsmithSpan {
    const { id, traceId } = idsOf(location.dottedOrder);
    const trace: TraceInfo = { metadata: info.metadata ?? {}, project: location.project };
    if (info.tags !== undefined) trace.tags = info.tags;
    return new LangsmithSpan(
      host,
      {
        traceId,
        project: location.project,
        shared: trace,
        announced: false,
        order: 1,
        stated: new WeakSet(),
      },
      info,
      undefined,
      id,
      location.dottedOrder,
    );
  }

  location(): SpanLocation {
    return {
      dottedOrder: this.dottedOrder,
      project: this.trace.project,
      name: this.info.name,
      runType: this.info.runType,
    };
  }

  suspend(outcome: SpanOutcome): void {
    this.finish(outcome, false);
  }

  closeSuspended(location: SpanLocation, outcome: SpanOutcome): void {
    try {
      const { id } = idsOf(location.dottedOrder);
      const info: SpanInfo = { name: location.name, runType: location.runType, inputs: {} };
      new LangsmithSpan(this.host, this.trace, info, undefined, id, location.dottedOrder).end(outcome);
    } catch (error) {
      this.host.report(error);
    }
  }

  child(info: SpanInfo): TraceSpan {
    try {
      return new LangsmithSpan(this.host, this.trace, info, {
        id: this.id,
        dottedOrder: this.dottedOrder,
        metadata: this.metadata,
      });
    } catch (error) {
      this.host.report(error);
      return NOOP_SPAN;
    }
  }

  annotate(annotation: SpanAnnotation): void {
    const before = this.annotation;
    this.annotation =
      before === undefined
        ? { ...annotation }
        : {
            ...before,
            ...annotation,
            outputs: { ...before.outputs, ...annotation.outputs },
            metadata: { ...before.metadata, ...annotation.metadata },
          };
  }

  end(outcome: SpanOutcome): void {
    this.finish(outcome, true);
  }

  private finish(outcome: SpanOutcome, ended: boolean): void {
    if (this.ended) return;
    this.ended = true;
    try {
      const noted = this.annotation;
      const record: RunRecord = {
        dotted_order: this.dottedOrder,
        name: this.info.name,
        run_type: this.info.runType,
        ...(ended ? { end_time: outcome.endTime ?? Date.now() } : {}),
        ...(this.patch ? { patch: true as const } : {}),
        inputs: noted?.inputs ?? asRecord(this.info.inputs, "input"),
        metadata: {
          ...this.metadata,
          ...noted?.metadata,
          ...outcome.metadata,
          ...(outcome.error === undefined ? {} : errorMetadata(outcome.error)),
        },
      };
      if (outcome.outputs !== undefined || noted?.outputs !== undefined) {
        record.outputs =
          noted?.outputs === undefined
            ? asRecord(outcome.outputs, "output")
            : outcome.outputs === undefined
              ? noted.outputs
              : { answer: outcome.outputs, ...noted.outputs };
      }
      if (outcome.error !== undefined) record.error = this.statedError(outcome.error);
      if (this.parentId === undefined && this.trace.referenceExampleId !== undefined)
        record.reference_example_id = this.trace.referenceExampleId;
      if (!this.trace.announced) {
        record.trace = this.trace.shared;
        this.trace.announced = true;
      }
      this.host.export(record);
    } catch (error) {
      this.host.report(error);
    }
  }

  /**
   * An error in full (long values shortened) on the run that failed; a run whose descendant
   * already stated the same error says only which error, in a line.
   */
  private statedError(error: unknown): string {
    const chain: object[] = [];
    for (let e: unknown = error, depth = 0; typeof e === "object" && e !== null && depth < 5; depth++) {
      chain.push(e);
      e = (e as { cause?: unknown }).cause;
    }
    const { stated } = this.trace;
    if (chain.some((e) => stated.has(e))) return shortErrorText(error);
    for (const e of chain) stated.add(e);
    return errorText(error);
  }

  /**
   * A LangChain callback manager whose tracer nests LangChain runs (the LLM call of an `llm` step)
   * under this span. LangChain is loaded on first use, so chains without LLM steps never pay for it.
   * An llm step's own model call asks with `internals`: its runnables are left out unless the
   * tracer keeps them (`langchainRuns`), since the step's run already is the model call.
   */
  async langchainCallbacks(options: { internals?: boolean } = {}): Promise<unknown> {
    if (options.internals === true && !this.host.keepLangchainRuns) return undefined;
    try {
      // LangChain's own tracer, tied to a run tree standing for this span (langsmith's
      // getLangchainCallbacks predates @langchain/core 1.x's run-tree map and would start a
      // separate trace on the default client).
      const [{ CallbackManager }, { LangChainTracer }] = await Promise.all([
        import("@langchain/core/callbacks/manager"),
        import("@langchain/core/tracers/tracer_langchain"),
      ]);
      const client = this.host.langchainClient();
      const run = new RunTree({
        id: this.id,
        name: this.info.name,
        run_type: this.info.runType,
        trace_id: this.trace.traceId,
        dotted_order: this.dottedOrder,
        ...(this.parentId === undefined ? {} : { parent_run_id: this.parentId }),
        start_time: this.startText,
        project_name: this.trace.project,
        client,
        tracingEnabled: true,
        // LangChain's runs must come after this one in the trace's execution order.
        execution_order: this.trace.order,
        child_execution_order: this.trace.order,
      });
      // LangChain's runs get the trace's metadata and tags too (chain, version, fingerprint, step).
      const { shared } = this.trace;
      const handler = new LangChainTracer({
        client,
        metadata: { ...shared.metadata, ...this.metadata, ...this.info.metadata },
        ...(shared.tags === undefined ? {} : { tags: shared.tags }),
      });
      handler.updateFromRunTree(run);
      const manager = new CallbackManager(this.id);
      manager.addHandler(handler, true);
      return manager;
    } catch (error) {
      this.host.report(error);
      return undefined;
    }
  }
}

let stampMs = Number.NaN;
let stampIso = "";
let stampCompact = "";

/**
 * One segment of a dotted order, `20261128T004011123001Z<id>`, and its start time as ISO text
 * with microseconds, formatted as the SDK's `convertToDottedOrderFormat` does: the execution order
 * fills the microseconds so that runs started in the same millisecond keep their order. The
 * millisecond part is formatted once per millisecond: many spans start in the same one.
 */
export function dottedSegment(ms: number, order: number, id: string): { segment: string; iso: string } {
  if (ms !== stampMs) {
    stampMs = ms;
    stampIso = new Date(ms).toISOString().slice(0, -1);
    stampCompact = stampIso.replace(/[-:.]/g, "");
  }
  const micros = String(order).slice(0, 3).padStart(3, "0");
  return { segment: `${stampCompact}${micros}Z${id}`, iso: `${stampIso}${micros}Z` };
}

/** LangSmith wants inputs and outputs as objects: anything else is wrapped under `key`. */
export function asRecord(value: unknown, key: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value === "object" && value !== null && !Array.isArray(value))
    return value as Record<string, unknown>;
  return { [key]: value };
}

/** How many characters of one line of an error a run keeps: the start and the end of longer ones. */
export const ERROR_LINE_LIMIT = 400;

/**
 * The error text of a run: name, Catena code and message, then the causes, one per line, each
 * line cut in the middle past {@link ERROR_LINE_LIMIT} characters (a schema error listing every
 * label keeps its start and the value it got).
 */
export function errorText(error: unknown): string {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    const prefix = depth === 0 ? "" : "caused by: ";
    if (current instanceof Error) {
      const code = CatenaError.isInstance(current) ? ` [${current.code}]` : "";
      lines.push(shortened(`${prefix}${current.name}${code}: ${current.message}`, ERROR_LINE_LIMIT));
      current = current.cause;
    } else {
      lines.push(shortened(`${prefix}${String(current)}`, ERROR_LINE_LIMIT));
      current = undefined;
    }
  }
  return lines.join("\n");
}

/** The one line an ancestor of the failed run carries: which error, not all of it again. */
export function shortErrorText(error: unknown): string {
  if (!(error instanceof Error)) return shortened(String(error).split("\n")[0] ?? "", 120);
  const code = CatenaError.isInstance(error) ? ` [${error.code}]` : "";
  return shortened(`${error.name}${code}: ${error.message.split("\n")[0] ?? ""}`, 120);
}

/** `text` cut in the middle to at most about `limit` characters, saying how much was left out. */
export function shortened(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const tail = Math.floor(limit / 4);
  const head = limit - tail;
  return `${text.slice(0, head)} … (${text.length - head - tail} characters left out) … ${text.slice(-tail)}`;
}

function errorMetadata(error: unknown): Record<string, unknown> {
  if (!CatenaError.isInstance(error)) return {};
  return { error_code: error.code };
}
