import type { SerializedError } from "./errors/catena-error.ts";
import type { Flow } from "./flows/flow-types.ts";

/** A JSON value: what a step's `spec` and every persisted snapshot are made of. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Structured log sink handed to every step. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Token and cost totals, per step, per run and per batch. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /**
   * What the answers served from the LLM response cache would have cost uncached, in USD (list
   * price of the tokens the cached call was billed for). Not in `costUsd`: nothing was spent. Absent
   * when no answer came from the cache.
   */
  cachedUsd?: number;
}

/** What a trace span records about a step or a run when it starts. */
export interface SpanInfo {
  name: string;
  runType: "chain" | "llm" | "retriever" | "tool" | "embedding" | "parser" | "prompt";
  inputs: unknown;
  metadata?: Record<string, unknown>;
  tags?: string[];
  /** When the span began, epoch milliseconds; default now (a model call recorded once it failed). */
  startTime?: number;
}

/** What a step learns about its own span while it runs (an llm step: the chat messages sent). */
export interface SpanAnnotation {
  /** Replaces the span's inputs. */
  inputs?: Record<string, unknown>;
  /** Added to the outputs the span ends with. */
  outputs?: Record<string, unknown>;
  /** Added to the span's metadata. */
  metadata?: Record<string, unknown>;
}

/**
 * Where a run sits in its trace, enough for a later process to end it or to add runs under it:
 * a review waiting for its decision, the root of a run that paused there.
 */
export interface SpanLocation {
  /** The run's dotted order: its id, its trace id and its start time. */
  dottedOrder: string;
  project: string;
  name: string;
  runType: SpanInfo["runType"];
}

/** What a tracer's root span starts with: a span's info, the run id and where the trace goes. */
export interface RootSpanInfo extends SpanInfo {
  runId: string;
  project?: string;
  referenceExampleId?: string;
}

/** How a span ended. */
export interface SpanOutcome {
  outputs?: unknown;
  error?: unknown;
  metadata?: Record<string, unknown>;
  /** Epoch milliseconds the span ended, when that was before it is ended (default: now). */
  endTime?: number;
}

/**
 * A tracing handle for one run or step. Tracing backends implement it; with none attached, every
 * step gets a shared no-op span so that an untraced run pays nothing for it.
 */
export interface TraceSpan {
  readonly active: boolean;
  child(info: SpanInfo): TraceSpan;
  end(outcome: SpanOutcome): void;
  /** Records what the span is about while it is open: later calls add to earlier ones. */
  annotate?(annotation: SpanAnnotation): void;
  /**
   * LangChain callbacks that make LangChain runs started inside this span nest under it in the
   * trace; undefined when the backend has none. With `internals` (the runnables LangChain builds
   * inside an llm step's model call) they are undefined unless the tracer keeps LangChain's runs.
   */
  langchainCallbacks?(options?: { internals?: boolean }): Promise<unknown>;
  /** Where this span's run sits in its trace; undefined when the backend cannot say. */
  location?(): SpanLocation | undefined;
  /**
   * Sends the run as still going (a review waiting for its decision); the process that resumes
   * the run ends it with {@link TraceSpan.closeSuspended}.
   */
  suspend?(outcome: SpanOutcome): void;
  /** Ends a run of this trace that an earlier process suspended (the review a resume decided). */
  closeSuspended?(location: SpanLocation, outcome: SpanOutcome): void;
}

/** A tracing backend: starts the root span of a chain run. */
export interface Tracer {
  /**
   * `runId` is the root span's id; `project` where the trace goes, if set (the run's `trace.project`,
   * else the chain's metadata); `referenceExampleId` links the root run to a dataset example (an experiment).
   */
  startRun(info: RootSpanInfo): TraceSpan;
  /**
   * Continues the root run of a trace an earlier process started (a run resumed after a review):
   * new spans nest under it, and ending it updates it. Without it, a resumed run starts a trace.
   */
  continueRun?(info: SpanInfo & { location: SpanLocation }): TraceSpan;
  /** Waits (at most `timeoutMs`, or the backend's default) until buffered spans are sent; never throws. */
  flush?(timeoutMs?: number): Promise<FlushResult>;
}

/**
 * What a bounded flush achieved: `sent` (everything arrived, perhaps after retries), `failed` (runs
 * were lost: the backend refused them or was unreachable) or `timeout`.
 */
export interface FlushResult {
  status: "sent" | "failed" | "timeout";
  /** Upload attempts that failed or were dropped since the previous flush (retried ones included). */
  failedRequests: number;
  /** The last failure, e.g. `HTTP 500 from http://127.0.0.1:1984/runs/multipart`. */
  problem?: string;
  ms: number;
}

/** Name, version and fingerprint: which exact chain produced a result. */
export interface ChainRef {
  name: string;
  version: string;
  fingerprint: string;
}

/** What a step receives besides its input. */
export interface StepContext {
  readonly signal: AbortSignal;
  readonly runId: string;
  readonly chain: ChainRef;
  /** The chain's validated input, for steps deep in a flow that need the original request. */
  readonly input: unknown;
  /** Outputs of the steps that already ran in this run, by step name. */
  readonly outputs: Readonly<Record<string, unknown>>;
  /**
   * The run's metadata (`RunOptions.metadata`): a copy taken when the run started, the same for
   * every step of the run. Its top level is read-only: setting or deleting a key throws a
   * `CHAIN_DEFINITION` error naming it. An object inside it is not copied nor frozen (it is the
   * caller's own, shared by the runs given it): treat it as read-only too.
   */
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly logger: Logger;
  readonly trace: TraceSpan;
  /** 1 on the first attempt, 2 on the first retry, ... */
  readonly attempt: number;
  /** Set when the step runs as a tier of a cascade. */
  readonly tier?: string;
  /** Adds tokens and cost to the step's and the run's usage. */
  recordUsage(usage: Partial<Usage>): void;
  /**
   * Set when the run streams tokens (`run(chain, input, { onToken })` or `stream`): a step that
   * produces text piece by piece passes each piece here. Absent otherwise, so steps stream only then.
   * `call` numbers the answers within this attempt of the step (1, 2, ...): a step whose answer
   * starts over (a provider retry, a fallback model, a repair) passes the next number with the first
   * piece of the new answer, so listeners can drop what they showed of the old one.
   */
  readonly onToken?: (text: string, call?: number) => void;
}

/**
 * The contract of every step kind: a name, a kind, a plain serialisable `spec` that defines its
 * behaviour (and goes into the chain's fingerprint), and `run`.
 */
export interface Step<TInput = unknown, TOutput = unknown> extends Flow<TInput, TOutput> {
  readonly type: "step";
  readonly name: string;
  readonly kind: string;
  readonly spec: JsonValue;
  /** A default acceptance threshold when the step is used as a cascade tier. */
  readonly threshold?: number;
  /** Per-step timeout in milliseconds, overriding the run's `stepTimeoutMs`. */
  readonly timeoutMs?: number;
  /**
   * Fields the step reads from an object input (e.g. an llm step's prompt variables): `defineChain`
   * checks them against the chain's input schema wherever the step receives the chain's input.
   */
  readonly inputKeys?: readonly string[];
  run(input: TInput, ctx: StepContext): TOutput | Promise<TOutput>;
}

/** Any step, whatever its input and output types. */
export type AnyStep = Step<never, unknown>;

/** What labelling steps return so that cascades and branches can decide on it. */
export interface LabelResult<TLabel extends string = string> {
  /** `null` is a clean no-match: the step has no answer. */
  label: TLabel | null;
  /** Calibrated confidence in [0, 1]. */
  confidence: number;
  [extra: string]: unknown;
}

/** Guard and selector functions get the data so far plus the run's scope. */
export interface FlowScope {
  readonly input: unknown;
  readonly outputs: Readonly<Record<string, unknown>>;
}

/** A linear series of nodes; each one's output is the next one's input. */
export interface SequenceNode {
  readonly type: "sequence";
  /** Its nodes' names joined with `+`, for graphs and errors. */
  readonly name: string;
  readonly nodes: readonly FlowNode[];
}

/** One guarded case of a branch. */
export interface BranchCase {
  readonly label: string;
  readonly when: (data: never, scope: FlowScope) => boolean;
  readonly flow: FlowNode;
}

/** Routes to the first case whose guard holds on the data so far. */
export interface BranchNode {
  readonly type: "branch";
  readonly name: string;
  readonly cases: readonly BranchCase[];
  readonly otherwise?: FlowNode;
}

/** A cascade tier: a labelling step and when its answer is accepted. */
export interface CascadeTier {
  readonly step: AnyStep;
  readonly threshold: number;
  readonly accept?: (result: LabelResult, scope: FlowScope) => boolean;
}

/**
 * Which accepted answers an audit prefers: `random` audits each with the same probability (the
 * share); `uncertain` spends the share on the answers closest to their tier's threshold.
 */
export type AuditPick = "random" | "uncertain";

/**
 * Audit sampling of a cascade, set where the cascade is defined (`cascade(name, tiers, { audit })`,
 * the chain's default): on a sampled share of the answers a cheap tier accepted, the cascade's LLM
 * tier also answers, in the background, traced as its own run with the `audit` tag.
 */
export interface CascadeAuditOptions {
  /**
   * Share of the cheap tiers' accepted answers that are audited, above 0 and at most 1. With
   * `pick: "uncertain"` answers at the threshold are audited more often, sure answers less; up to a
   * share of 4/7 it is the mean share over answers whose headroom above the threshold is spread
   * evenly, above it (where the probabilities are capped at 1) the mean is lower.
   */
  share?: number;
  /** Default `random`. */
  pick?: AuditPick;
  /**
   * Mixed into the hash that decides which inputs are audited: the same seed and input are always
   * audited or never (a resumed batch draws the same items, though audits in flight at an interrupt
   * are lost); another seed draws other items.
   */
  seed?: string | number;
  /** The audit's LLM call is aborted after this many milliseconds (default 30,000). */
  timeoutMs?: number;
}

/** Tries tiers cheapest first and stops at the first answer that clears its tier's bar. */
export interface CascadeNode {
  readonly type: "cascade";
  readonly name: string;
  readonly tiers: readonly CascadeTier[];
  readonly onExhausted: "best" | "deferred";
  /** Audit sampling of the cheap tiers' accepted answers, by default for every run. */
  readonly audit?: CascadeAuditOptions;
}

/** Exponential backoff between retry attempts. */
export interface Backoff {
  readonly initialMs: number;
  readonly factor: number;
  readonly maxMs: number;
  /** Full jitter: the delay is drawn uniformly from [0, computed delay]. */
  readonly jitter: boolean;
}

/** Re-runs a node on failure, at most `attempts` times in all. */
export interface RetryNode {
  readonly type: "retry";
  readonly name: string;
  readonly node: FlowNode;
  readonly attempts: number;
  readonly backoff: Backoff;
  readonly retryOn?: (error: SerializedError) => boolean;
}

/** Runs a sub-flow over each element of a list, with bounded concurrency; outputs keep input order. */
export interface MapNode {
  readonly type: "map";
  readonly name: string;
  readonly over: (data: never, scope: FlowScope) => readonly unknown[];
  readonly node: FlowNode;
  readonly concurrency: number;
}

/** Pauses the run until an outside decision arrives (human review); resumable from a snapshot. */
export interface ReviewNode {
  readonly type: "review";
  readonly name: string;
  /** Validates the decision given to `resume`. */
  readonly decision?: { safeParse(value: unknown): { success: boolean; error?: unknown; data?: unknown } };
  readonly apply?: (data: never, decision: never) => unknown;
  readonly prompt?: string;
}

/** Runs a node and stores its output under `key` of the current data instead of replacing it. */
export interface AssignNode {
  readonly type: "assign";
  /** Its node's name, for graphs and errors. */
  readonly name: string;
  readonly key: string;
  readonly node: FlowNode;
}

/**
 * The node type of every flow construct, by kind: the module of each construct in
 * `flows/registry.ts` adds its node here by declaration merging,
 * `declare module "../types.ts" { interface FlowNodeKinds { map: MapNode } }`, so that this module
 * needs no import of the constructs (which import it). Steps, the leaves every flow ends in, are
 * declared here beside their contract. `flows/registry.ts` fails to compile when a kind here has no
 * construct there, or the other way round.
 */
export interface FlowNodeKinds {
  step: AnyStep;
}

/** Anything a flow is built from: a node of any construct (steps, sequences, branches, ...). */
export type FlowNode = FlowNodeKinds[keyof FlowNodeKinds];

/** Per-step record in a run result. */
export interface StepRecord {
  name: string;
  kind: string;
  tier?: string;
  /** Epoch milliseconds. */
  startedAt: number;
  ms: number;
  status: "done" | "error" | "escalated";
  attempt?: number;
  /** Index of the list element, for steps run inside a map. */
  item?: number;
  confidence?: number;
  error?: SerializedError;
  usage?: Usage;
}
