import type { Chain } from "../compile/chain.ts";
import { CatenaError } from "../errors/catena-error.ts";
import { OutputValidationError, StepError, schemaIssues } from "../errors/errors.ts";
import type { Usage } from "../types.ts";
import type { RunSession } from "./run-session.ts";
import type { RunFailed, RunResult } from "./run-types.ts";

/**
 * What a run's result is made of: its session's totals, or a straight run's (which has no span:
 * `endRunSpan` is only called when the span is active).
 */
export type RunEnding = Pick<
  RunSession,
  "runId" | "ref" | "records" | "usage" | "startedAt" | "span" | "endRunSpan"
>;

/** The failed result of a run whose walk threw `error`. */
export function failedRun(session: RunEnding, error: unknown): RunResult {
  return finishFailed(
    session,
    CatenaError.isInstance(error) ? error : new StepError("(runner)", "flow", error),
  );
}

/**
 * The result of a run that reached its `done` state with `data`: done when the output schema
 * accepts it, failed otherwise. Its `ms` is read after the parse: the output schema's refinements
 * are user code and count in the run's time.
 */
export function finishDone<TOutput>(
  chain: Chain<unknown, TOutput, unknown>,
  session: RunEnding,
  data: unknown,
): RunResult<TOutput> {
  const parsed = chain.output.safeParse(data);
  if (!parsed.success)
    return finishFailed(session, new OutputValidationError(chain.name, schemaIssues(parsed.error)));
  if (session.span.active) session.endRunSpan("done", { outputs: parsed.data });
  // The common result as one literal, in withBase's field order: adding six fields to a smaller
  // object one by one walks six shape transitions, once per run.
  return {
    status: "done" as const,
    output: parsed.data,
    runId: session.runId,
    chain: session.ref,
    steps: session.records,
    usage: usageSnapshot(session.usage),
    startedAt: session.startedAt,
    ms: Date.now() - session.startedAt,
  };
}

/** The fields every run result has, whatever its status. */
type RunBase = Pick<RunFailed, "runId" | "chain" | "steps" | "usage" | "startedAt" | "ms">;

/**
 * A result: its status and what it carries, then the fields every result has, set on the same
 * object (one object per run, not a spread of a second one: a batch makes one per item).
 */
export function withBase<T extends { status: RunResult["status"] }>(
  result: T,
  session: RunEnding,
): T & RunBase {
  const r = result as T & RunBase;
  r.runId = session.runId;
  r.chain = session.ref;
  r.steps = session.records;
  r.usage = usageSnapshot(session.usage);
  r.startedAt = session.startedAt;
  r.ms = Date.now() - session.startedAt;
  return r;
}

/**
 * The run's usage as it stands when its result is built. A step that ignored the run's timeout or
 * abort can still record usage after the run returned (a model call whose answer arrives late);
 * that must not change a result the caller already holds, nor a batch total summed from it.
 */
export function usageSnapshot(usage: Usage): Usage {
  const copy: Usage = {
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    costUsd: usage.costUsd,
  };
  if (usage.cachedUsd !== undefined) copy.cachedUsd = usage.cachedUsd;
  return copy;
}

/** The failed result of a run that met `error`; ends its root span when it has one. */
export function finishFailed(session: RunEnding, error: CatenaError): RunResult<never> {
  if (session.span.active) session.endRunSpan("error", { error });
  return withBase({ status: "error" as const, error }, session);
}
