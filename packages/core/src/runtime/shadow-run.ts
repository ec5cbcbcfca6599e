import { createHash } from "node:crypto";
import type { AnyChain } from "../compile/chain.ts";
import { settleBackgroundRuns, trackBackgroundRun } from "./background-runs.ts";
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
  // A hash of the input, not a coin: the same inputs are shadowed every time. node:crypto rather
  // than the ml hashes, so that the engine entry does not load @catena/core/ml.
  if (
    share < 1 &&
    createHash("sha1")
      .update(JSON.stringify(input) ?? "")
      .digest()
      .readUInt32BE(0) /
      2 ** 32 >=
      share
  )
    return;
  const { shadow: _, onToken: __, runId: ___, audit: ____, ...rest } = options;
  const done = runChain(shadow.chain, input, {
    ...rest,
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
  trackBackgroundRun(done);
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
