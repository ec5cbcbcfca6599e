import { z } from "zod";
import type { AnyChain, Chain } from "../compile/chain.ts";
import { initialContext } from "../compile/machine-context.ts";
import {
  InputValidationError,
  InvalidSnapshotError,
  StepError,
  schemaIssues,
  TimeoutError,
} from "../errors/errors.ts";
import { RunDeferredError, RunWaitingError } from "../errors/run-outcome-errors.ts";
import { newRunId } from "../ids/run-id.ts";
import type { ReviewNode, Tracer, TraceSpan } from "../types.ts";
import type { AuditRunFn } from "./audit-candidate.ts";
import { checkAuditOptions } from "./audit-options.ts";
import { startAudit } from "./audit-run.ts";
import { LineRun, runsStraight } from "./line-run.ts";
import { type MachineCursor, tableOf } from "./machine-table.ts";
import { parseInput } from "./parse-input.ts";
import { pausedReview, snapshotProblem } from "./paused-review.ts";
import { failedRun, finishDone, finishFailed, usageSnapshot, withBase } from "./run-result.ts";
import { type RunClock, RunSession } from "./run-session.ts";
import { suspendReviewSpan } from "./run-trace.ts";
import type { RunOptions, RunResult, RunSnapshot } from "./run-types.ts";
import { Walk } from "./run-walk.ts";
import { startShadow } from "./shadow-run.ts";

/**
 * Runs a chain on one input: validates the input, drives the chain's machine, validates the output.
 * Never throws for a failed run: the result's `status` says `done`, `deferred`, `waiting` or `error`.
 *
 * @example
 * const r = await run(triage, { text: "Where is order 123456?" });
 * if (r.status === "done") console.log(r.output.queue, r.steps.map((s) => s.ms));
 */
export function run<TInput, TOutput>(
  chain: Chain<TInput, TOutput, unknown>,
  input: NoInfer<TInput>,
  options: RunOptions = {},
): Promise<RunResult<TOutput>> {
  // Not `async`: a batch runs this per item, and an async wrapper around the walk's frame costs
  // extra microtask turns. Anything thrown before the walk still becomes a rejection.
  try {
    const started = startRun(chain as AnyChain, input, options);
    // (A run with a timeout comes back as its promise: `Promise.resolve` hands that on as it is.)
    return (isRunning(started) ? walkToEnd(started) : Promise.resolve(started)) as Promise<
      RunResult<TOutput>
    >;
  } catch (error) {
    return Promise.reject(error);
  }
}

/** A started run waiting on its `pending`: a walk of its machine, or a run straight down its steps. */
export type RunningRun = Walk<RunSession> | LineRun;

/** Whether {@link startRun} or {@link continueRun} gave a run still waiting on its `pending`. */
export function isRunning(started: RunResult | RunningRun | Promise<RunResult>): started is RunningRun {
  return started instanceof LineRun || started instanceof Walk;
}

/**
 * Starts a run and walks it synchronously as far as it goes: the result when it ended without
 * waiting, otherwise the run ({@link RunningRun}), waiting on `pending`, to hand what that gave to
 * {@link continueRun}. A chain that is a plain sequence of steps, run without per-step extras,
 * goes straight down its steps ({@link LineRun}); any other run walks its machine's table. A
 * batch's worker awaits its items' steps itself this way: no async frame of
 * the run's own, and no microtask turn between one item's end and the start of its next one. A run
 * with a timeout has a frame of its own (to clear its timer): it comes back as its promise.
 * `clock`: the run's start as read by the caller just before, with nothing but synchronous
 * bookkeeping since (a batch's worker, from the end of its previous item); read here otherwise.
 */
export function startRun(
  chain: AnyChain,
  input: unknown,
  options: RunOptions,
  clock?: RunClock,
): RunResult | RunningRun | Promise<RunResult> {
  checkAuditOptions(options.audit, `Run of ${chain.id}`);
  const line = runsStraight(options) ? tableOf(chain.compiled).line : undefined;
  if (line !== undefined) {
    const straight = new LineRun(chain, options, line, clock);
    const parsed = parseInput(chain, input);
    if (!parsed.success) return finishFailed(straight, parsed.error);
    try {
      straight.begin(parsed.data);
      return straight.advance() ? straight : endLine(straight);
    } catch (error) {
      return failedRun(straight, error);
    }
  }
  const session = new RunSession(chain, options, undefined, clock);
  const parsed = parseInput(chain, input);
  if (!parsed.success) {
    // Traced too, with the input as given: a run refused at its input is worth seeing in the
    // traces, and `catena run` links to its trace.
    if (options.tracer)
      session.span = startRunSpan(options.tracer, chain, session, input, undefined, options.trace);
    return finishFailed(session, parsed.error);
  }
  if (options.shadow) startShadow(runAny, options.shadow, input, session.runId, chain as AnyChain, options);
  if (options.timeoutMs !== undefined)
    return executeAwaiting(chain, session, options, parsed.data, undefined);
  let walk: Walk<RunSession> | undefined;
  try {
    beginRun(chain, session, options, parsed.data, undefined);
    const driver = session.driverFor(chain.compiled);
    // A fresh run's machine starts synchronously: no await (and microtask turn) for it.
    walk = session.walk(driver, session.start(driver, initialContext(parsed.data)));
    return walk.advance() ? walk : endRun(chain, session, walk.cursor);
  } catch (error) {
    walk?.abandon(error);
    return failedRun(session, error);
  }
}

/** Continues a walk from {@link startRun} with what its `pending` gave (`failed`: it rejected). */
export function continueRun(walk: RunningRun, failed: boolean, value: unknown): RunResult | RunningRun {
  if (walk instanceof LineRun) {
    try {
      walk.resume(failed, value);
      return walk.advance() ? walk : endLine(walk);
    } catch (error) {
      return failedRun(walk, error);
    }
  }
  const session = walk.session;
  try {
    walk.resume(failed, value);
    return walk.advance() ? walk : endRun(session.chain, session, walk.cursor);
  } catch (error) {
    walk.abandon(error);
    return failedRun(session, error);
  }
}

/** Awaits a started run's walk to its end: the one async frame of a fresh run. */
async function walkToEnd(walk: RunningRun): Promise<RunResult> {
  for (;;) {
    let failed = false;
    let value: unknown;
    try {
      value = await walk.pending;
    } catch (error) {
      failed = true;
      value = error;
    }
    const next = continueRun(walk, failed, value);
    if (next !== walk) return next as RunResult;
  }
}

/**
 * Like {@link run}, but returns the output directly and throws otherwise: the run's error, or a
 * `RunDeferredError` / `RunWaitingError` carrying the whole result for a deferred or waiting run.
 */
export async function runOrThrow<TInput, TOutput>(
  chain: Chain<TInput, TOutput, unknown>,
  input: NoInfer<TInput>,
  options: RunOptions = {},
): Promise<TOutput> {
  const result = await run(chain, input, options);
  if (result.status === "done") return result.output;
  if (result.status === "error") throw result.error;
  if (result.status === "deferred") throw new RunDeferredError(chain.id, result);
  throw new RunWaitingError(chain.id, result);
}

/**
 * Continues a run paused at a review with the reviewer's decision, in this process or any other:
 * the snapshot is plain JSON. The chain must have the same fingerprint as the one that paused.
 *
 * @example
 * const paused = await run(chain, input); // status "waiting"
 * await writeFile("run.json", JSON.stringify(paused.snapshot));
 * // later, elsewhere:
 * const r = await resume(chain, JSON.parse(await readFile("run.json", "utf8")), { approved: true });
 */
export async function resume<TInput, TOutput, TDecision>(
  chain: Chain<TInput, TOutput, TDecision>,
  snapshot: RunSnapshot,
  decision: NoInfer<TDecision>,
  options: RunOptions = {},
): Promise<RunResult<TOutput>> {
  checkAuditOptions(options.audit, `Resume of ${chain.id}`);
  const problem = snapshotProblem(chain as AnyChain, snapshot);
  if (problem) throw new InvalidSnapshotError(problem, { details: { chain: chain.id } });
  const session = new RunSession(chain, options, snapshot);
  const review = pausedReview(chain as AnyChain, snapshot);
  let value: unknown = decision;
  if (review?.decision) {
    const parsed = review.decision.safeParse(decision);
    if (!parsed.success) {
      return finishFailed(
        session,
        new InputValidationError(chain.name, schemaIssues(parsed.error), {
          subject: `the decision schema of review "${review.name}"`,
        }),
      );
    }
    value = parsed.data;
  }
  session.records.push({
    name: snapshot.review.name,
    kind: "review",
    startedAt: snapshot.startedAt,
    ms: 0,
    status: "done",
  });
  return executeAwaiting(chain, session, options, snapshot.context.input, { snapshot, decision: value });
}

/**
 * Drives a resumed run, or one with a timeout to clear at its end, to its end and makes its
 * result; the walk is awaited here (`RunSession.drive`). A fresh run without a timeout is
 * {@link startRun}'s.
 */
async function executeAwaiting<TInput, TOutput>(
  chain: Chain<TInput, TOutput, unknown>,
  session: RunSession,
  options: RunOptions,
  inputs: unknown,
  resumed: { snapshot: RunSnapshot; decision: unknown } | undefined,
): Promise<RunResult<TOutput>> {
  const timer = beginRun(chain, session, options, inputs, resumed);
  try {
    const driver = session.driverFor(chain.compiled);
    const first =
      resumed === undefined
        ? session.start(driver, initialContext(inputs))
        : await session.resumeAt(driver, resumed.snapshot, resumed.decision);
    // A resume whose subchain paused again stays where it is; otherwise the walk goes on.
    return endRun(chain, session, session.pause ? first : await session.drive(driver, first));
  } catch (error) {
    return failedRun(session, error) as RunResult<TOutput>;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** Arms the run's timeout (returned, to clear) and starts its root span when there is a tracer. */
function beginRun(
  chain: AnyChain,
  session: RunSession,
  options: RunOptions,
  inputs: unknown,
  resumed: { snapshot: RunSnapshot; decision: unknown } | undefined,
): NodeJS.Timeout | undefined {
  let timer: NodeJS.Timeout | undefined;
  if (options.timeoutMs !== undefined) {
    const controller = new AbortController();
    const ms = options.timeoutMs;
    timer = setTimeout(() => controller.abort(new TimeoutError(`Run of ${chain.id}`, ms)), ms);
    session.signal = options.signal
      ? AbortSignal.any([options.signal, controller.signal])
      : controller.signal;
  }
  if (options.tracer) {
    session.span = startRunSpan(options.tracer, chain, session, inputs, resumed?.snapshot, options.trace);
    const review = resumed?.snapshot.trace?.review;
    if (review !== undefined) {
      session.span.closeSuspended?.(review, {
        outputs: { decision: resumed?.decision },
        metadata: {
          status: "decided",
          ...(options.reviewer === undefined ? {} : { reviewer: options.reviewer }),
        },
      });
    }
  }
  return timer;
}

/**
 * The result of a run whose walk ended at `end`: done (output validated), deferred, waiting or
 * failed. Its `ms` is read after the output's parse: a guard or the output schema's refinements are
 * user code and count in the run's time.
 */
function endRun<TOutput>(
  chain: Chain<unknown, TOutput, unknown>,
  session: RunSession,
  end: MachineCursor,
): RunResult<TOutput> {
  const info = end.state.info;
  const pause = session.pause;
  if (info.kind === "review" || (info.kind === "effect" && pause !== undefined)) {
    const review =
      info.kind === "review" ? info.review : (pause?.review as { name: string; prompt?: string });
    const snapshot: RunSnapshot = {
      format: "catena.run-snapshot.v1",
      chain: session.ref,
      runId: session.runId,
      state: end.state.key,
      context: end.context,
      steps: session.records,
      usage: usageSnapshot(session.usage),
      startedAt: session.startedAt,
      review: { name: review.name, ...(review.prompt === undefined ? {} : { prompt: review.prompt }) },
      ...(info.kind === "effect" && pause !== undefined ? { nested: pause.nested } : {}),
    };
    if (session.span.active) {
      suspendReviewSpan(session.span, snapshot, decisionSchemaOf(pausedReview(chain as AnyChain, snapshot)));
    }
    session.endRunSpan("waiting", { outputs: { status: "waiting", review: review.name } });
    return withBase({ status: "waiting" as const, snapshot }, session);
  }
  if (info.kind === "final" && info.outcome === "deferred" && end.context.deferred) {
    session.endRunSpan("deferred", { outputs: { status: "deferred", deferred: end.context.deferred } });
    return withBase({ status: "deferred" as const, deferred: end.context.deferred }, session);
  }
  if (info.kind === "final" && info.outcome === "failed") {
    const error =
      session.lastError ??
      new StepError(end.context.error?.message ?? "unknown", "unknown", end.context.error ?? "step failed");
    return finishFailed(session, error);
  }
  const result = finishDone(chain, session, end.context.data);
  if (result.status === "done") startAudits(session);
  return result;
}

/** `run` for any chain and input, as the audits call it. */
const runAny: AuditRunFn = (chain, input, options) => run(chain, input, options);

/**
 * Starts the audits of a done run's cheap tiers' answers, its result made: the result never waits
 * for them, and nothing an audit does (an input JSON cannot hash, a listener) changes it. A failed,
 * deferred or waiting run starts none: its answer was not served.
 */
function startAudits(session: RunSession): void {
  if (session.audits === undefined) return;
  for (const candidate of session.audits) {
    try {
      startAudit(runAny, candidate);
    } catch {
      // The audit is not made; the run is done as it is.
    }
  }
}

/** The result of a run that ended straight down its steps: failed, or done (output validated). */
function endLine(straight: LineRun): RunResult {
  if (straight.failure !== undefined) return finishFailed(straight, straight.failure);
  return finishDone(straight.chain, straight, straight.data);
}

/**
 * Starts the root span of a run: the chain's name, version and fingerprint as metadata (inherited
 * by every step's span), its metadata (`project` picks the trace project), tags for name and version.
 * A resumed run continues the trace of the run that paused when its snapshot says where and the
 * tracer can; otherwise it is a trace of its own (its id is taken by the run that paused), linked
 * by `run_id`.
 */
function startRunSpan(
  tracer: Tracer,
  chain: AnyChain,
  session: RunSession,
  inputs: unknown,
  resumedFrom: RunSnapshot | undefined,
  trace: RunOptions["trace"] = {},
): TraceSpan {
  const project = trace.project ?? chain.metadata.project;
  const info = {
    name: chain.name,
    runType: "chain" as const,
    inputs,
    metadata: {
      ...chain.metadata,
      ...session.metadata,
      chain: chain.name,
      version: chain.version,
      fingerprint: chain.fingerprint,
      ...(resumedFrom === undefined ? {} : { run_id: session.runId, resumed: true }),
    },
    tags: [
      `chain:${chain.name}`,
      `version:${chain.version}`,
      ...(session.metadata.shadow === true ? ["shadow"] : []),
      ...(session.metadata.audit === true ? ["audit"] : []),
      ...(trace.tags ?? []),
    ],
  };
  const location = resumedFrom?.trace?.root;
  if (location !== undefined && tracer.continueRun !== undefined) {
    return tracer.continueRun({ ...info, location });
  }
  return tracer.startRun({
    ...info,
    runId: resumedFrom === undefined ? session.runId : newRunId(),
    ...(typeof project === "string" && project !== "" ? { project } : {}),
    ...(trace.referenceExampleId === undefined ? {} : { referenceExampleId: trace.referenceExampleId }),
  });
}

/** A review's decision schema as JSON Schema, for a studio's decision form and its checks. */
function decisionSchemaOf(review: ReviewNode | undefined): Record<string, unknown> | undefined {
  if (review?.decision === undefined) return undefined;
  try {
    const json = z.toJSONSchema(review.decision as z.ZodType, { unrepresentable: "any" }) as Record<
      string,
      unknown
    >;
    delete json.$schema;
    return json;
  } catch {
    return undefined;
  }
}
