/*
 * The errors thrown for runs that ended without an output where the caller asked for an output, not
 * a result with a status (`runOrThrow`, a chain used as a LangChain Runnable): a deferred or waiting
 * run becomes a typed error that still carries everything `run` would have returned.
 */
import type { DeferredInfo } from "../compile/machine-context.ts";
import type { RunDeferred, RunWaiting } from "../runtime/run-types.ts";
import { CatenaError } from "./catena-error.ts";

/**
 * The run ended deferred: no cascade tier answered with enough confidence (or the tier that could
 * had no provider). `result.deferred.best` is the cheap tiers' best guess.
 *
 * @example
 * try { await runnable.invoke(input) } catch (e) { if (e instanceof RunDeferredError) queueForLater(e.result) }
 */
export class RunDeferredError extends CatenaError {
  readonly result: RunDeferred;
  constructor(chainId: string, result: RunDeferred) {
    const reason = deferralText(result.deferred);
    super(
      "RUN_DEFERRED",
      `Chain "${chainId}" deferred the input at cascade "${result.deferred.cascade}" (${reason}). Read \`error.result.deferred.best\` for the best guess, or call run() to handle deferred runs as results.`,
      { details: { chain: chainId, runId: result.runId, deferred: result.deferred } },
    );
    this.result = result;
  }
}

/**
 * The run paused at a review and waits for a decision: resume it with
 * `resume(chain, error.result.snapshot, decision)`, in this process or another.
 *
 * @example
 * catch (e) { if (e instanceof RunWaitingError) await save(e.result.snapshot) }
 */
export class RunWaitingError extends CatenaError {
  readonly result: RunWaiting;
  constructor(chainId: string, result: RunWaiting) {
    super(
      "RUN_WAITING",
      `Chain "${chainId}" paused at review "${result.snapshot.review.name}" and waits for a decision. Persist \`error.result.snapshot\` and continue with resume(chain, snapshot, decision).`,
      { details: { chain: chainId, runId: result.runId, review: result.snapshot.review } },
    );
    this.result = result;
  }
}

function deferralText(deferred: DeferredInfo): string {
  const last = deferred.errors.at(-1);
  if (last !== undefined) return `tier "${last.tier}" failed: ${last.error.message}`;
  if (deferred.best !== null) {
    return `best guess "${String(deferred.best.result.label)}" from tier "${deferred.best.tier}" with confidence ${deferred.best.result.confidence.toFixed(2)}, under its threshold`;
  }
  return "no tier answered";
}
