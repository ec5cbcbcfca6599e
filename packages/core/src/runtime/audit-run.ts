import type { AuditCandidate, AuditRunFn } from "./audit-candidate.ts";
import type { AuditOptions } from "./audit-options.ts";
import { auditDraw, auditProbability } from "./audit-sampling.ts";
import { trackBackgroundRun } from "./background-runs.ts";

/**
 * Starts the audit of an accepted answer when it falls in the sampled share (see
 * `auditProbability` and `auditDraw`): the cascade's LLM tier on the same input, in the background,
 * traced as its own run. The runner starts it once the audited run has ended (its result made). Like
 * a shadow run it is not awaited (`settleShadows` waits for it) and
 * never changes the run's result; unlike one it runs the LLM tier alone, not a whole chain. The
 * run module is loaded on the first audit, not with the engine.
 */
export function startAudit(runChain: AuditRunFn, candidate: AuditCandidate): void {
  const options: AuditOptions = { ...candidate.defaults, ...definedFields(candidate.options.audit) };
  if (options.share === undefined) return;
  const probability = auditProbability(
    options.pick ?? "random",
    options.share,
    candidate.answer.confidence,
    candidate.threshold,
  );
  if (auditDraw(options.seed, candidate.cascade, candidate.input) >= probability) return;
  const done = import("./audit-chain.ts").then(
    (m) => m.runAudit(runChain, candidate, options, probability),
    () => undefined,
  );
  trackBackgroundRun(done);
}

/** The fields of the run's audit options that are set: an `undefined` does not clear the cascade's. */
function definedFields(options: AuditOptions | undefined): AuditOptions {
  if (options === undefined) return {};
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as AuditOptions;
}
