import type { Run } from "langsmith/schemas";
import { backendError, isNotFound } from "./sdk-call.ts";
import { type TraceClient, traceClientFromEnv } from "./trace-client.ts";
import { metadataOf, nodeOf, type TraceTree } from "./trace-records.ts";
import { RunNotFoundError } from "./tracing-errors.ts";
import { readRunTree } from "./v2-run-reads.ts";

/**
 * Reads one chain run with all its steps as a tree (cascade tiers under their cascade, map items
 * under their map), through the SDK's `client.runs.query` and `client.traces.listRuns`.
 *
 * @example
 * const tree = await readTrace(result.runId);
 * for (const step of tree.children) console.log(step.name, step.ms, step.tier, step.confidence);
 */
export async function readTrace(runId: string, options: { client?: TraceClient } = {}): Promise<TraceTree> {
  const { client, url } = options.client ?? traceClientFromEnv();
  let run: Run | undefined;
  try {
    run = await readRunTree(client, runId);
  } catch (error) {
    if (
      isNotFound(error) ||
      /invalid uuid|not a valid uuid/i.test(error instanceof Error ? error.message : "")
    ) {
      throw new RunNotFoundError(runId, url, { cause: error });
    }
    throw backendError(error, url, `read run ${runId}`);
  }
  if (run === undefined) throw new RunNotFoundError(runId, url);
  const m = metadataOf(run);
  const tree: TraceTree = { ...nodeOf(run), chain: typeof m.chain === "string" ? m.chain : run.name };
  if (typeof m.version === "string") tree.version = m.version;
  if (typeof m.fingerprint === "string") tree.fingerprint = m.fingerprint;
  return tree;
}
