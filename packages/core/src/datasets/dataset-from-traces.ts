import type { Client } from "langsmith/client";
import type { Run } from "langsmith/schemas";
import { chainFilter, existingProjects, feedbackOfRuns, projectNames } from "../tracing/list-traces.ts";
import { sdkCall } from "../tracing/sdk-call.ts";
import { metadataOf, summaryOf } from "../tracing/trace-records.ts";
import { queryRootRuns } from "../tracing/v2-run-reads.ts";
import type { Dataset, DatasetExample } from "./dataset.ts";
import { datasetContentHash } from "./example-content.ts";
import { clientUrl } from "./remote-example.ts";

/** Options of {@link datasetFromTraces}. */
export interface DatasetFromTracesOptions {
  /** The dataset's name. */
  name: string;
  /** Project(s) to read; default `LANGSMITH_PROJECT`, else `"default"`. */
  project?: string | readonly string[];
  /**
   * A LangSmith filter over root runs, passed to `listRuns({ filter })`, e.g.
   * `and(eq(metadata_key, "chain"), eq(metadata_value, "support-triage"))` or `eq(name, "support-triage")`.
   */
  filter?: string;
  /** Only runs of this chain (by the `chain` metadata Catena traces); combined with `filter`. */
  chain?: string;
  /** Only runs started at or after this time. */
  since?: Date;
  /** At most this many runs (newest first); default 1000. */
  limit?: number;
  /** Also turn runs that ended in an error into examples (without outputs unless corrected). */
  includeErrors?: boolean;
  /** Splits the examples go into, e.g. `["from-traces"]`. */
  splits?: readonly string[];
}

/** A dataset built from traces, with what was left out. */
export interface TracedDataset extends Dataset {
  /** Examples whose reference output comes from a feedback correction. */
  readonly corrected: number;
  /** Runs skipped: errored (without `includeErrors`) or not finished. */
  readonly skipped: number;
}

/**
 * Turns traced chain runs (root runs) into examples: the run's inputs, and as reference output the
 * run's outputs, overridden field by field by the newest feedback **correction** on the run (the
 * right answer a person gave, e.g. `{ "queue": "billing" }`). Each example's id is its run id and
 * its metadata names the source: `source_run_id`, `chain`, `chain_version`, `corrected`. Runs that
 * errored are skipped unless `includeErrors`; unfinished ones (running, or waiting for a review) always are.
 * A deferred run (its cascade left the answer to a person) has no answer of the chain's: its example
 * holds the correction alone, or no reference output, never the deferral record.
 *
 * @example
 * const ds = await datasetFromTraces(client, { name: "triage-fixes", filter: 'eq(name, "support-triage")' });
 */
export async function datasetFromTraces(
  client: Client,
  options: DatasetFromTracesOptions,
): Promise<TracedDataset> {
  const url = clientUrl(client);
  const limit = options.limit ?? 1000;
  const projectIds = await existingProjects(client, url, projectNames(options.project));
  const filter = combinedFilter(options);
  const runs: Run[] = [];
  let skipped = 0;
  if (projectIds.length > 0 && limit > 0) {
    await sdkCall(url, "list runs", async () => {
      for await (const run of queryRootRuns(client, { projectIds, filter, since: options.since })) {
        const status = summaryOf(run, {}).status;
        const unfinished = status === "pending" || status === "waiting";
        if (unfinished || (status === "error" && options.includeErrors !== true)) skipped++;
        else runs.push(run);
        if (runs.length >= limit) break;
      }
    });
  }
  const corrections = await correctionsByRun(
    client,
    url,
    runs.map((r) => r.id),
  );
  let corrected = 0;
  const examples = runs.map((run): DatasetExample => {
    const correction = corrections.get(run.id);
    if (correction !== undefined) corrected++;
    const m = metadataOf(run);
    const outputs = { ...answerOf(run), ...correction };
    const metadata: Record<string, unknown> = {
      source_run_id: run.id,
      chain: typeof m.chain === "string" ? m.chain : run.name,
      ...(typeof m.version === "string" ? { chain_version: m.version } : {}),
      corrected: correction !== undefined,
    };
    return {
      id: run.id,
      inputs: run.inputs ?? {},
      ...(Object.keys(outputs).length === 0 ? {} : { outputs }),
      ...(options.splits === undefined || options.splits.length === 0 ? {} : { splits: [...options.splits] }),
      metadata,
      source: `run:${run.id}`,
    };
  });
  return { name: options.name, examples, contentHash: datasetContentHash(examples), corrected, skipped };
}

/**
 * The chain's answer in the run's outputs, for a correction to override field by field: none for a
 * run that errored, nor for a deferred one, whose outputs are the deferral's record
 * (`{status: "deferred", deferred: {...}}`) and would otherwise stay in the reference output beside
 * the person's answer.
 */
function answerOf(run: Run): Record<string, unknown> {
  if (run.error) return {};
  const outputs = run.outputs ?? {};
  return outputs.status === "deferred" && "deferred" in outputs ? {} : outputs;
}

/** The `filter` and the `chain` as one LangSmith filter, or undefined for all root runs. */
function combinedFilter(options: DatasetFromTracesOptions): string | undefined {
  const parts = [
    ...(options.chain === undefined ? [] : [chainFilter(options.chain)]),
    ...(options.filter === undefined || options.filter.trim() === "" ? [] : [options.filter.trim()]),
  ];
  return parts.length <= 1 ? parts[0] : `and(${parts.join(", ")})`;
}

/** The newest correction given on each run (feedback whose `correction` is an object). */
async function correctionsByRun(
  client: Client,
  url: string,
  runIds: readonly string[],
): Promise<Map<string, Record<string, unknown>>> {
  const newest = new Map<string, { at: number; correction: Record<string, unknown> }>();
  for await (const items of feedbackOfRuns(client, url, runIds)) {
    for (const f of items) {
      const correction = f.correction;
      if (typeof correction !== "object" || correction === null || Array.isArray(correction)) continue;
      const at = Date.parse(f.modified_at ?? f.created_at ?? "") || 0;
      const current = newest.get(f.run_id);
      if (current === undefined || at >= current.at) {
        newest.set(f.run_id, { at, correction: correction as Record<string, unknown> });
      }
    }
  }
  return new Map([...newest].map(([runId, { correction }]) => [runId, correction]));
}
