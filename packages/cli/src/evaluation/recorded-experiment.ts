import type { AnyChain } from "@catena/core";
import {
  type Dataset,
  type ExperimentRun,
  type ExperimentSession,
  ensureRemoteDataset,
  type RunExperimentOptions,
  recordExperimentFeedback,
  runExperiment,
  startExperimentSession,
} from "@catena/core/evals";
import type { CommandContext } from "../command-context.ts";
import { DEFAULT_STUDIO_PORT } from "../commands/studio.ts";
import type { CliTracing } from "../tracing/cli-tracing.ts";

/** Where an experiment was recorded: its session (project), the dataset, and the feedback rows written. */
export interface ExperimentRecording {
  session: ExperimentSession;
  datasetId: string;
  url: string;
  /**
   * Where a person finds it: the backend's URL, or for the studio the CLI ran in its own process
   * (gone when the command ends) how to open the dataset's page, which lists its experiments.
   */
  where: string;
  feedback: number;
}

/** An experiment's runs, and where it was recorded when a trace backend was configured. */
export interface RecordedExperiment {
  experiment: ExperimentRun;
  recording?: ExperimentRecording;
}

/**
 * Runs an experiment and, when tracing has a backend (LangSmith or the studio), records it as a
 * LangSmith experiment: the dataset is synced, a session with `reference_dataset_id` is created, each
 * run is traced into it linked to its example, and one feedback row per evaluator per run is written
 * after the runs were flushed. A backend that fails while syncing leaves the eval running, unrecorded,
 * after a warning: the scores still print.
 */
export async function runRecordedExperiment(
  ctx: CommandContext,
  tracing: CliTracing,
  chain: AnyChain,
  dataset: Dataset,
  options: RunExperimentOptions & { experimentName?: string },
): Promise<RecordedExperiment> {
  const backend = tracing.backend;
  if (backend === undefined) return { experiment: await runExperiment(chain, dataset, options) };
  const client = backend.client.client;
  let remote: Awaited<ReturnType<typeof ensureRemoteDataset>>;
  let session: ExperimentSession;
  try {
    remote = await ensureRemoteDataset(client, dataset);
    session = await startExperimentSession(
      client,
      chain,
      remote.datasetId,
      options.experimentName === undefined ? {} : { name: options.experimentName },
    );
  } catch (error) {
    ctx.io.err(
      `catena: warning: the experiment is not recorded: ${backend.url} refused the dataset or session (${(error as Error).message}); scores are still reported\n`,
    );
    return { experiment: await runExperiment(chain, dataset, { ...options, tracer: backend.tracer }) };
  }
  const experiment = await runExperiment(chain, dataset, {
    ...options,
    tracer: backend.tracer,
    project: session.name,
    remoteExampleIds: remote.exampleIds,
    tags: [...(options.tags ?? []), `experiment:${session.name}`],
  });
  // Feedback needs its runs on the backend first.
  await backend.tracer.flush();
  let feedback = 0;
  try {
    feedback = await recordExperimentFeedback(client, session, experiment.rows);
  } catch (error) {
    ctx.io.err(
      `catena: warning: not all evaluator feedback reached ${backend.url}: ${(error as Error).message}\n`,
    );
  }
  const where =
    backend.kind === "studio" && backend.inProcess
      ? `the local studio (npx catena studio, then open http://127.0.0.1:${DEFAULT_STUDIO_PORT}/o/-/datasets/${remote.datasetId})`
      : backend.url;
  return {
    experiment,
    recording: { session, datasetId: remote.datasetId, url: backend.url, where, feedback },
  };
}
