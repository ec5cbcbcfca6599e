import type { Client } from "langsmith/client";
import type { Run as V2Run } from "langsmith/resources/runs/runs";
import type { Run } from "langsmith/schemas";

/** The run fields Catena reads (summaries, trees, feedback), as the v2 `selects`. */
const SELECTS = [
  "NAME",
  "RUN_TYPE",
  "STATUS",
  "START_TIME",
  "END_TIME",
  "ERROR",
  "EXTRA",
  "METADATA",
  "INPUTS",
  "OUTPUTS",
  "PARENT_RUN_IDS",
  "PROJECT_ID",
  "TRACE_ID",
  "REFERENCE_EXAMPLE_ID",
  "DOTTED_ORDER",
  "TOTAL_TOKENS",
  "PROMPT_TOKENS",
  "COMPLETION_TOKENS",
  "TOTAL_COST",
  "TAGS",
] as const;

/** The oldest start time a query asks for: every run, where LangSmith's default is one day. */
const SINCE_EVER = "1970-01-01T00:00:00Z";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What {@link queryRootRuns} lists. */
export interface RootRunQuery {
  projectIds: readonly string[];
  filter?: string | undefined;
  since?: Date | undefined;
}

/**
 * Root runs of the projects, newest first, through the SDK's `client.runs.query` (the v2 API that
 * replaces the deprecated `listRuns`), in the classic `Run` shape Catena's records read.
 */
export async function* queryRootRuns(client: Client, query: RootRunQuery): AsyncGenerator<Run> {
  const pages = client.runs.query({
    project_ids: [...query.projectIds],
    is_root: true,
    selects: [...SELECTS],
    include_subtree_usage: true,
    min_start_time: query.since?.toISOString() ?? SINCE_EVER,
    ...(query.filter === undefined ? {} : { filter: query.filter }),
  });
  for await (const run of pages) yield toSchemaRun(run);
}

/**
 * One run by id with its descendants as `child_runs`, through `client.runs.query` (found in any
 * project: `readRun` needed no project, and neither does the caller) and `client.traces.listRuns`.
 * `undefined` when no project holds the run.
 */
export async function readRunTree(
  client: Client,
  runId: string,
  options: { children: boolean } = { children: true },
): Promise<Run | undefined> {
  if (!UUID.test(runId)) return undefined;
  const projectIds: string[] = [];
  for await (const project of client.listProjects()) projectIds.push(project.id);
  if (projectIds.length === 0) return undefined;
  const page = await client.runs.query({
    project_ids: projectIds,
    ids: [runId],
    selects: [...SELECTS],
    include_subtree_usage: true,
    min_start_time: SINCE_EVER,
  });
  const found = page.getPaginatedItems();
  const first = found[0];
  if (first === undefined) return undefined;
  const run = toSchemaRun(first);
  if (!options.children || run.trace_id === undefined || run.session_id === undefined) return run;
  const byId = new Map<string, Run>(
    (await queryTraceRuns(client, run.trace_id, run.session_id)).map((r) => [r.id, r]),
  );
  for (const node of byId.values()) {
    const parent = node.parent_run_id === undefined ? undefined : byId.get(node.parent_run_id);
    if (parent !== undefined) parent.child_runs = [...(parent.child_runs ?? []), node];
  }
  const tree = byId.get(run.id) ?? run;
  // Tokens of the run itself with its subtree's, as `readRun` gave them.
  if (run.total_tokens !== undefined) tree.total_tokens = run.total_tokens;
  return tree;
}

/**
 * Every run of a trace in a project, in the order they started (dotted order), through the SDK's
 * `client.traces.listRuns` (the v2 API that replaces `listRuns({ traceId })`), as classic `Run`s
 * without `child_runs`.
 */
export async function queryTraceRuns(client: Client, traceId: string, projectId: string): Promise<Run[]> {
  const trace = await client.traces.listRuns(traceId, { project_id: projectId, selects: [...SELECTS] });
  return (trace.items ?? [])
    .map(toSchemaRun)
    .sort((a, b) => (a.dotted_order ?? "").localeCompare(b.dotted_order ?? ""));
}

/**
 * The lookup keys (run id, project id, start time) of runs given by id, in one v2 query over every
 * project: what `addRunsToAnnotationQueue` takes instead of the deprecated bare ids. Ids no project
 * holds are left out.
 */
export async function runKeysOf(
  client: Client,
  runIds: readonly string[],
): Promise<Array<{ runId: string; sessionId: string; startTime: string }>> {
  const ids = runIds.filter((id) => UUID.test(id));
  if (ids.length === 0) return [];
  const projectIds: string[] = [];
  for await (const project of client.listProjects()) projectIds.push(project.id);
  if (projectIds.length === 0) return [];
  const keys: Array<{ runId: string; sessionId: string; startTime: string }> = [];
  for await (const run of client.runs.query({
    project_ids: projectIds,
    ids,
    selects: ["START_TIME", "PROJECT_ID"],
    min_start_time: SINCE_EVER,
  })) {
    if (run.id !== undefined && run.project_id !== undefined && run.start_time !== undefined)
      keys.push({ runId: run.id, sessionId: run.project_id, startTime: run.start_time });
  }
  return keys;
}

/** A v2 run (upper-case types, `project_id`) as the classic `Run` shape. */
export function toSchemaRun(v2: V2Run): Run {
  const parents = v2.parent_run_ids ?? [];
  const run: Run = {
    id: v2.id ?? "",
    name: v2.name ?? "",
    run_type: (v2.run_type ?? "chain").toLowerCase(),
    inputs: v2.inputs ?? {},
    extra: { ...(v2.extra ?? {}), metadata: v2.metadata ?? (v2.extra?.metadata as object | undefined) ?? {} },
    tags: v2.tags ?? [],
  };
  if (v2.start_time !== undefined) run.start_time = v2.start_time;
  if (v2.end_time !== undefined) run.end_time = v2.end_time;
  if (v2.error !== undefined) run.error = v2.error;
  if (v2.outputs !== undefined) run.outputs = v2.outputs;
  if (v2.status !== undefined) run.status = v2.status.toLowerCase();
  if (v2.trace_id !== undefined) run.trace_id = v2.trace_id;
  if (v2.dotted_order !== undefined) run.dotted_order = v2.dotted_order;
  if (v2.project_id !== undefined) run.session_id = v2.project_id;
  if (typeof v2.reference_example_id === "string") run.reference_example_id = v2.reference_example_id;
  const parent = parents.at(-1);
  if (parent !== undefined) run.parent_run_id = parent;
  if (v2.total_tokens !== undefined) run.total_tokens = v2.total_tokens;
  if (v2.prompt_tokens !== undefined) run.prompt_tokens = v2.prompt_tokens;
  if (v2.completion_tokens !== undefined) run.completion_tokens = v2.completion_tokens;
  if (v2.total_cost !== undefined) (run as { total_cost?: number }).total_cost = v2.total_cost;
  return run;
}
