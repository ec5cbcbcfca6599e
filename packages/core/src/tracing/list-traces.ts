import type { Client } from "langsmith/client";
import type { Feedback, Run } from "langsmith/schemas";
import { backendError, isNotFound, sdkCall } from "./sdk-call.ts";
import { type TraceClient, traceClientFromEnv } from "./trace-client.ts";
import { type FeedbackTally, metadataOf, summaryOf, type TraceSummary } from "./trace-records.ts";
import { queryRootRuns } from "./v2-run-reads.ts";

/** Options of {@link listTraces}. */
export interface ListTracesOptions {
  /** Backend to read from; default {@link traceClientFromEnv}. */
  client?: TraceClient;
  /** Project(s) to list; default `LANGSMITH_PROJECT`, else `"default"`. Projects that do not exist are skipped. */
  project?: string | readonly string[];
  /** Only runs of this chain. */
  chain?: string;
  /** Only runs started at or after this time. */
  since?: Date;
  /** Only runs with this status (`done`, `error`, `deferred`, `waiting`, `pending`). */
  status?: string;
  /** Only runs whose last cascade answered with this tier. */
  tier?: string;
  /** Only runs whose input or output contains this text (case-insensitive). */
  text?: string;
  /**
   * Only runs whose id ends (or starts) with this: a short id as `catena traces` shows it. Ids are
   * UUID v7, whose first characters are a timestamp shared by runs of the same minute, so short ids
   * are their last, random, characters.
   */
  shortId?: string;
  /** At most this many runs, newest first; default 20. */
  limit?: number;
}

/** Feedback of this many runs is fetched per request. */
const FEEDBACK_CHUNK = 100;

/**
 * Lists recent chain runs (root runs) newest first, with chain, version, status, tier used, latency,
 * cost and the feedback they received, through the SDK's `client.runs.query` and `listFeedback`.
 *
 * @example
 * const runs = await listTraces({ chain: "support-triage", since: new Date(Date.now() - 3_600_000) });
 */
export async function listTraces(options: ListTracesOptions = {}): Promise<TraceSummary[]> {
  const { client, url } = options.client ?? traceClientFromEnv();
  const runs = await rootRuns(options);
  const feedback = await feedbackByRun(
    client,
    url,
    runs.map((r) => r.id),
  );
  return runs.map((run) => summaryOf(run, feedback.get(run.id) ?? {}));
}

/**
 * The root runs that pass the filters of {@link ListTracesOptions}, newest first, as the SDK gives
 * them (inputs and outputs included): what `listTraces` summarises and `listTracedInputs` reads.
 */
export async function rootRuns(options: ListTracesOptions = {}): Promise<Run[]> {
  const { client, url } = options.client ?? traceClientFromEnv();
  const limit = options.limit ?? 20;
  const projectIds = await existingProjects(client, url, projectNames(options.project));
  if (projectIds.length === 0 || limit <= 0) return [];
  const runs: Run[] = [];
  await sdkCall(url, "list runs", async () => {
    for await (const run of queryRootRuns(client, {
      projectIds,
      filter: options.chain === undefined ? undefined : chainFilter(options.chain),
      since: options.since,
    })) {
      if (matches(run, options)) runs.push(run);
      if (runs.length >= limit) break;
    }
  });
  return runs.sort((a, b) => Date.parse(summaryOf(b, {}).startedAt) - Date.parse(summaryOf(a, {}).startedAt));
}

/** Whether a root run passes the filters of {@link ListTracesOptions} that the backend does not apply. */
function matches(run: Run, options: ListTracesOptions): boolean {
  if (options.chain !== undefined && (metadataOf(run).chain ?? run.name) !== options.chain) return false;
  const short = options.shortId?.toLowerCase();
  if (short !== undefined && !run.id.endsWith(short) && !run.id.startsWith(short)) return false;
  if (options.status !== undefined || options.tier !== undefined) {
    const summary = summaryOf(run, {});
    if (options.status !== undefined && summary.status !== options.status) return false;
    if (options.tier !== undefined && summary.tier !== options.tier) return false;
  }
  if (options.text !== undefined) {
    const haystack = `${JSON.stringify(run.inputs ?? {})} ${JSON.stringify(run.outputs ?? {})}`.toLowerCase();
    // Inputs are JSON, so the text is looked for as JSON too (quotes and backslashes escaped).
    if (!haystack.includes(JSON.stringify(options.text.toLowerCase()).slice(1, -1))) return false;
  }
  return true;
}

/** Feedback tallies (count, mean score) by run id and key. */
export async function feedbackByRun(
  client: Client,
  url: string,
  runIds: readonly string[],
): Promise<Map<string, Record<string, FeedbackTally>>> {
  const sums = new Map<string, Record<string, { count: number; scored: number; sum: number }>>();
  for await (const items of feedbackOfRuns(client, url, runIds)) {
    for (const f of items) {
      const byKey = sums.get(f.run_id) ?? {};
      const tally = byKey[f.key] ?? { count: 0, scored: 0, sum: 0 };
      tally.count++;
      const score = typeof f.score === "boolean" ? Number(f.score) : f.score;
      if (typeof score === "number") {
        tally.scored++;
        tally.sum += score;
      }
      byKey[f.key] = tally;
      sums.set(f.run_id, byKey);
    }
  }
  const out = new Map<string, Record<string, FeedbackTally>>();
  for (const [runId, byKey] of sums) {
    const tallies: Record<string, FeedbackTally> = {};
    for (const [key, t] of Object.entries(byKey)) {
      tallies[key] = t.scored > 0 ? { count: t.count, meanScore: t.sum / t.scored } : { count: t.count };
    }
    out.set(runId, tallies);
  }
  return out;
}

/** The feedback on these runs, a chunk at a time: one request per {@link FEEDBACK_CHUNK} runs. */
export async function* feedbackOfRuns(
  client: Client,
  url: string,
  runIds: readonly string[],
): AsyncGenerator<Feedback[]> {
  for (let i = 0; i < runIds.length; i += FEEDBACK_CHUNK) {
    const chunk = runIds.slice(i, i + FEEDBACK_CHUNK);
    yield await sdkCall(url, "list feedback", async () => {
      const out: Feedback[] = [];
      for await (const f of client.listFeedback({ runIds: chunk })) out.push(f);
      return out;
    });
  }
}

/** The LangSmith filter (also understood by the studio) for runs of one chain, by their metadata. */
export function chainFilter(chain: string): string {
  return `and(eq(metadata_key, "chain"), eq(metadata_value, ${JSON.stringify(chain)}))`;
}

/** The project names to read: the given ones, else the environment's. */
export function projectNames(project: string | readonly string[] | undefined): string[] {
  if (project === undefined) {
    const env = process.env;
    return [env.LANGSMITH_PROJECT?.trim() || env.LANGCHAIN_PROJECT?.trim() || "default"];
  }
  return typeof project === "string" ? [project] : [...new Set(project)];
}

/** Ids of the named projects that exist (a project appears with its first traced run). */
export async function existingProjects(
  client: Client,
  url: string,
  names: readonly string[],
): Promise<string[]> {
  const ids: string[] = [];
  for (const projectName of names) {
    try {
      ids.push((await client.readProject({ projectName })).id);
    } catch (error) {
      if (isNotFound(error) || /not found/i.test(error instanceof Error ? error.message : "")) continue;
      throw backendError(error, url, `read project "${projectName}"`);
    }
  }
  return ids;
}
