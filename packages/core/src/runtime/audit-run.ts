import type { AuditCandidate, AuditRunFn } from "./audit-candidate.ts";
import type { AuditOptions } from "./audit-options.ts";
import { auditDraw, auditProbability } from "./audit-sampling.ts";
import { backgroundScopeOf, trackBackgroundRun } from "./background-runs.ts";

/**
 * Starts the audit of an accepted answer when it falls in the sampled share (see
 * `auditProbability` and `auditDraw`): the cascade's LLM tier on the same input, in the background,
 * traced as its own run. The runner starts it once the audited run is done (its result made). Like
 * a shadow run it is not awaited (`settleShadows` waits for it) and never changes the run's result;
 * unlike one it runs the LLM tier alone, not a whole chain. In a batch it is bounded by the batch's
 * scope (`BackgroundScope`): about `concurrency` in flight (the workers wait), none once the batch
 * has stopped, each started through the batch's rate gate. The run module is loaded on the first audit, not with the engine.
 * Never throws: an audit that cannot be drawn (an input JSON cannot write) is not made.
 */
export function startAudit(runChain: AuditRunFn, candidate: AuditCandidate): void {
  const options: AuditOptions = { ...candidate.audit.defaults, ...definedFields(candidate.options.audit) };
  if (options.share === undefined) return;
  const probability = auditProbability(
    options.pick ?? "random",
    options.share,
    candidate.answer.confidence,
    candidate.threshold,
  );
  if (auditDraw(options.seed, candidate.cascade, candidate.input) >= probability) return;
  const scope = backgroundScopeOf(candidate.options);
  if (scope !== undefined && !scope.takeAuditSlot()) return;
  const done = (async () => {
    try {
      if (scope?.gate !== undefined) await scope.gate();
      if (scope?.closed === true) return; // the batch stopped while this audit waited for its slot
      const m = await import("./audit-chain.ts");
      const tally = scope?.onAudit;
      const own = options.onAudit;
      const heard: AuditOptions =
        tally === undefined
          ? options
          : {
              ...options,
              onAudit: (a) => {
                tally(a);
                own?.(a);
              },
            };
      await m.runAudit(runChain, candidate, heard, probability);
    } catch {
      // An aborted rate wait or a failed load: the audit is not made, the run is untouched.
    } finally {
      scope?.releaseAuditSlot();
    }
  })();
  trackBackgroundRun(done, scope);
}

/** The fields of the run's audit options that are set: an `undefined` does not clear the cascade's. */
function definedFields(options: AuditOptions | undefined): AuditOptions {
  if (options === undefined) return {};
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as AuditOptions;
}
