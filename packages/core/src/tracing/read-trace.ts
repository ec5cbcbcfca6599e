import { backendError, isNotFound, withoutSdkDeprecationWarning } from "./sdk-call.ts";
import { type TraceClient, traceClientFromEnv } from "./trace-client.ts";
import { metadataOf, nodeOf, type TraceTree } from "./trace-records.ts";
import { RunNotFoundError } from "./tracing-errors.ts";

/**
 * Reads one chain run with all its steps as a tree (cascade tiers under their cascade, map items
 * under their map), through the SDK's `readRun` with child runs.
 *
 * @example
 * const tree = await readTrace(result.runId);
 * for (const step of tree.children) console.log(step.name, step.ms, step.tier, step.confidence);
 */
export async function readTrace(runId: string, options: { client?: TraceClient } = {}): Promise<TraceTree> {
  const { client, url } = options.client ?? traceClientFromEnv();
  let run: Awaited<ReturnType<typeof client.readRun>>;
  try {
    run = await withoutSdkDeprecationWarning(() => client.readRun(runId, { loadChildRuns: true }));
  } catch (error) {
    if (
      isNotFound(error) ||
      /invalid uuid|not a valid uuid/i.test(error instanceof Error ? error.message : "")
    ) {
      throw new RunNotFoundError(runId, url, { cause: error });
    }
    throw backendError(error, url, `read run ${runId}`);
  }
  const m = metadataOf(run);
  const tree: TraceTree = { ...nodeOf(run), chain: typeof m.chain === "string" ? m.chain : run.name };
  if (typeof m.version === "string") tree.version = m.version;
  if (typeof m.fingerprint === "string") tree.fingerprint = m.fingerprint;
  return tree;
}
