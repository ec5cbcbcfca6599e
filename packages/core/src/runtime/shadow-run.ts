import type { AnyChain } from "../compile/chain.ts";
import { backgroundDraw, backgroundRunOptions } from "./background-draw.ts";
import { backgroundScopeOf, settleBackgroundRuns, trackBackgroundRun } from "./background-runs.ts";
import type { RunOptions, RunResult, ShadowOptions } from "./run-types.ts";

type RunFn = (chain: AnyChain, input: unknown, options: RunOptions) => Promise<RunResult<unknown>>;

/**
 * Starts the candidate on `input` when the input falls in the sampled share, traced as its own run
 * with the `shadow` tag and `shadow_of` (the current run's id) in its metadata. It is not awaited:
 * the current run's output never waits for it, and its failures are only traced.
 */
export function startShadow(
  runChain: RunFn,
  shadow: ShadowOptions,
  input: unknown,
  currentRunId: string,
  current: AnyChain,
  options: RunOptions,
): void {
  const share = shadow.share ?? 1;
  if (!(share > 0)) return;
  // A hash of the input, not a coin: the same inputs are shadowed every time.
  let drawn: number;
  try {
    drawn = share < 1 ? backgroundDraw(undefined, input) : 0;
  } catch {
    return; // an input JSON cannot write is not shadowed: the run itself goes on
  }
  if (drawn >= share) return;
  const done = runChain(shadow.chain, input, {
    ...backgroundRunOptions(options),
    timeoutMs: shadow.timeoutMs ?? 30_000,
    metadata: {
      ...options.metadata,
      shadow: true,
      shadow_of: currentRunId,
      shadow_of_version: current.version,
    },
  }).then(
    () => undefined,
    () => undefined,
  );
  trackBackgroundRun(done, backgroundScopeOf(options));
}

/**
 * Waits for the shadow runs and audits still in flight (each bounded by its `timeoutMs`): call it
 * before flushing traces and exiting, so that their traces are sent. `runBatch` calls it at its end.
 *
 * @example
 * await run(chain, input, { shadow: { chain: candidate }, audit: { share: 0.1 } });
 * await settleShadows();
 */
export async function settleShadows(): Promise<void> {
  await settleBackgroundRuns();
}
