/*
 * Runs as a studio stored them, read the way Catena's own commands read them: through the SDK's v2
 * run queries (core's tracing/v2-run-reads.ts), not the deprecated `listRuns`/`readRun`, whose
 * warnings would fill the test output. The studio package's own tests still cover those.
 */
import type { Client } from "langsmith";
import type { Run } from "langsmith/schemas";
import { queryRootRuns, queryTraceRuns } from "../../packages/core/src/tracing/v2-run-reads.ts";

/** Every run of a trace of `project`, in the order they started. */
export async function traceRuns(client: Client, project: string, traceId: string): Promise<Run[]> {
  const { id } = await client.readProject({ projectName: project });
  return queryTraceRuns(client, traceId, id);
}

/** The root runs of `project`, newest first. */
export async function rootRuns(client: Client, project: string): Promise<Run[]> {
  const { id } = await client.readProject({ projectName: project });
  const runs: Run[] = [];
  for await (const run of queryRootRuns(client, { projectIds: [id] })) runs.push(run);
  return runs;
}
