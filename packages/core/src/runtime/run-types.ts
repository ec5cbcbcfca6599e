import type { AnyChain } from "../compile/chain.ts";
import type { ChainMachineContext, DeferredInfo } from "../compile/machine-context.ts";
import type { CatenaError } from "../errors/catena-error.ts";
import type { ChainRef, Logger, SpanLocation, StepRecord, Tracer, Usage } from "../types.ts";
import type { AuditOptions } from "./audit-options.ts";
import type { TokenEvent } from "./token-event.ts";

/** Options of `run`, `resume` and each item of `runBatch`. */
export interface RunOptions {
  signal?: AbortSignal;
  /** Timeout of the whole run, in milliseconds. */
  timeoutMs?: number;
  /** Default timeout of each step, in milliseconds (a step's own `timeoutMs` wins). */
  stepTimeoutMs?: number;
  /** Use this run id instead of a fresh UUID (e.g. to correlate with your own records). */
  runId?: string;
  metadata?: Record<string, unknown>;
  /**
   * Where the run's trace goes and what it is linked to, over the chain's own settings: `project`
   * (e.g. an experiment's session), `referenceExampleId` (the dataset example the run answers, as
   * LangSmith experiments link them) and extra `tags` on the root run.
   */
  trace?: { project?: string; referenceExampleId?: string; tags?: string[] };
  logger?: Logger;
  tracer?: Tracer;
  /** For `resume`: who decided the review, recorded on the review's run in the trace. */
  reviewer?: string;
  /**
   * How the machine is driven: `"table"` (default) walks the machine's transitions directly;
   * `"xstate"` sends every event through a real xstate actor (slower; same results).
   */
  driver?: "table" | "xstate";
  /**
   * Called with each piece of text an `llm` step's model sends, as it arrives: the step then asks
   * the provider to stream. Steps with structured output (`schema`, `labels`) stream the raw JSON
   * text (or tool-call arguments) before it is parsed; a cached answer comes as one piece; a
   * provider retry, fallback or repair starts its answer over with the event's `call` one higher.
   * Steps that call no model send nothing.
   */
  onToken?: (event: TokenEvent) => void;
  /**
   * Also run a candidate version on a sampled share of inputs, traced with the `shadow` tag: it
   * never changes this run's result and is not waited for (see `settleShadows`).
   */
  shadow?: ShadowOptions;
  /**
   * Audit sampling, over the cascades' own `audit` options: on a sampled share of the answers a
   * cheap tier accepted, the cascade's LLM tier also answers, traced as its own run with the
   * `audit` tag. It never changes this run's result and is not waited for (see `settleShadows`);
   * `onAudit` hears each one's outcome. A share outside (0, 1] is refused with
   * `INVALID_AUDIT_OPTIONS`.
   */
  audit?: AuditOptions;
}

/** A paused run, as plain JSON: persist it anywhere and pass it to `resume`, in any process. */
export interface RunSnapshot {
  format: "catena.run-snapshot.v1";
  chain: ChainRef;
  runId: string;
  /** The machine state the run waits in. */
  state: string;
  context: ChainMachineContext;
  steps: StepRecord[];
  usage: Usage;
  startedAt: number;
  review: { name: string; prompt?: string };
  /**
   * Set when the review sits inside a construct's sub-flow (a subchain): what that construct
   * resumes from, while `state` is the construct's state in this chain's machine.
   */
  nested?: unknown;
  /**
   * Where the paused run is traced, so that its resume continues the same trace: the root run,
   * and the review's run, which the decision ends. Absent when the run was not traced.
   */
  trace?: { root: SpanLocation; review: SpanLocation };
}

interface RunResultBase {
  runId: string;
  chain: ChainRef;
  steps: StepRecord[];
  usage: Usage;
  /** Epoch milliseconds. */
  startedAt: number;
  ms: number;
}

/** A run that finished with output matching the chain's output schema. */
export interface RunDone<TOutput> extends RunResultBase {
  status: "done";
  output: TOutput;
}

/** A run whose cascade could not answer with enough confidence; `deferred.best` is the best guess. */
export interface RunDeferred extends RunResultBase {
  status: "deferred";
  output?: undefined;
  deferred: DeferredInfo;
}

/** A run paused at a review; resume it with `resume(chain, result.snapshot, decision)`. */
export interface RunWaiting extends RunResultBase {
  status: "waiting";
  output?: undefined;
  snapshot: RunSnapshot;
}

/** A run that failed; `error.code` says why (`INPUT_VALIDATION`, `STEP_FAILED`, `TIMEOUT`, ...). */
export interface RunFailed extends RunResultBase {
  status: "error";
  output?: undefined;
  error: CatenaError;
}

/** What `run` returns: a result with a `status`, never a thrown error. */
export type RunResult<TOutput = unknown> = RunDone<TOutput> | RunDeferred | RunWaiting | RunFailed;

/** A candidate version run beside the current one (`run(chain, input, { shadow })`). */
export interface ShadowOptions {
  /** The candidate chain: same input schema, usually the same name at another version. */
  chain: AnyChain;
  /** Share of inputs the candidate also runs on, in [0, 1] (default 1); the same input is always in or out. */
  share?: number;
  /** The candidate run is aborted after this many milliseconds (default 30,000). */
  timeoutMs?: number;
}
