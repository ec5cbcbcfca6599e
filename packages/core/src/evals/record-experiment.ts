import type { Client } from "langsmith/client";
import type { AnyChain } from "../compile/chain.ts";
import { numericScore } from "./evaluator.ts";
import type { ExperimentRow } from "./run-experiment.ts";

/** The LangSmith session (project) of an experiment. */
export interface ExperimentSession {
  id: string;
  name: string;
  url?: string;
}

/**
 * Creates an experiment's session: a project whose `reference_dataset_id` is the dataset, named
 * `<chain>@<version>-<timestamp>` unless named, with the chain's version and fingerprint in its
 * metadata. Runs traced to it (with `reference_example_id`) are the experiment's rows.
 *
 * @example
 * const session = await startExperimentSession(client, chain, datasetId);
 */
export async function startExperimentSession(
  client: Client,
  chain: AnyChain,
  datasetId: string,
  options: { name?: string; metadata?: Record<string, unknown>; description?: string } = {},
): Promise<ExperimentSession> {
  const name = options.name ?? `${chain.id}-${new Date().toISOString().replace(/[:.]/g, "-")}`;
  const project = await client.createProject({
    projectName: name,
    referenceDatasetId: datasetId,
    description: options.description ?? `catena eval of ${chain.id}`,
    metadata: {
      ...options.metadata,
      chain: chain.name,
      version: chain.version,
      fingerprint: chain.fingerprint,
    },
  });
  return { id: project.id, name };
}

/**
 * Writes one feedback row per evaluator per run into the experiment's session (scores as numbers:
 * pass 1, fail 0; unscored results as comments only), a few requests at a time. Call it after the
 * runs were flushed. Returns the rows written.
 */
export async function recordExperimentFeedback(
  client: Client,
  session: ExperimentSession,
  rows: readonly ExperimentRow[],
  options: { concurrency?: number } = {},
): Promise<number> {
  const jobs = rows.flatMap((row) => row.results.map((result) => ({ row, result })));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const { row, result } = jobs[next++] as (typeof jobs)[number];
      const score = numericScore(result.score);
      await client.createFeedback({
        runId: row.runId,
        sessionId: session.id,
        key: result.key,
        ...(score === null ? {} : { score }),
        ...(result.comment === undefined ? {} : { comment: result.comment }),
        feedbackSourceType: "model",
      });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 8) }, worker));
  return jobs.length;
}
