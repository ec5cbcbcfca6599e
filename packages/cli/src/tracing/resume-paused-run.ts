import { type ChainRegistry, type RunResult, type RunSnapshot, resume, type Tracer } from "@catena/core";

/**
 * Resumes a run paused at a review with a decision: the chain is the exact version that paused
 * (`name@version` of the snapshot, from the loaded chains). With a tracer, the run continues the
 * trace it paused in and the review's run records the decision and who gave it.
 */
export async function resumePausedRun(
  registry: ChainRegistry,
  snapshot: RunSnapshot,
  decision: unknown,
  options: { tracer?: Tracer; reviewer?: string } = {},
): Promise<RunResult> {
  const chain = registry.get(`${snapshot.chain.name}@${snapshot.chain.version}`);
  return resume(chain, snapshot, decision as never, {
    ...(options.tracer === undefined ? {} : { tracer: options.tracer }),
    ...(options.reviewer === undefined ? {} : { reviewer: options.reviewer }),
  });
}
