import type { DatabaseSync } from "node:sqlite";
import type { RunUsage } from "./run-usage.ts";
import { type StudioRun, toRunViews, usageOfRow } from "./run-view.ts";
import type { StoredRun } from "./stored-run.ts";

/** The `selects` values of the v2 run endpoints (the SDK's `RunSelectField`). */
export const RUN_SELECT_FIELDS = [
  "ID",
  "NAME",
  "RUN_TYPE",
  "STATUS",
  "START_TIME",
  "END_TIME",
  "LATENCY_SECONDS",
  "FIRST_TOKEN_TIME",
  "ERROR",
  "ERROR_PREVIEW",
  "EXTRA",
  "METADATA",
  "EVENTS",
  "INPUTS",
  "INPUTS_PREVIEW",
  "OUTPUTS",
  "OUTPUTS_PREVIEW",
  "MANIFEST",
  "PARENT_RUN_ID",
  "PARENT_RUN_IDS",
  "PROJECT_ID",
  "TRACE_ID",
  "THREAD_ID",
  "DOTTED_ORDER",
  "IS_ROOT",
  "REFERENCE_EXAMPLE_ID",
  "REFERENCE_DATASET_ID",
  "TOTAL_TOKENS",
  "PROMPT_TOKENS",
  "COMPLETION_TOKENS",
  "TOTAL_COST",
  "PROMPT_COST",
  "COMPLETION_COST",
  "PROMPT_TOKEN_DETAILS",
  "COMPLETION_TOKEN_DETAILS",
  "PROMPT_COST_DETAILS",
  "COMPLETION_COST_DETAILS",
  "PRICE_MODEL_ID",
  "TAGS",
  "APP_PATH",
  "ATTACHMENTS",
  "THREAD_EVALUATION_TIME",
  "IS_IN_DATASET",
  "LAST_QUEUED_AT",
  "SHARE_URL",
  "FEEDBACK_STATS",
  "LS_USER_ID",
] as const;

/** One `selects` value. */
export type RunSelectField = (typeof RUN_SELECT_FIELDS)[number];

/** How {@link toV2Runs} renders runs. */
export interface V2RunViewOptions {
  tenantId: string;
  /** The fields to include; `id` always is (LangSmith returns only `id` without selects). */
  selects: readonly RunSelectField[];
  /**
   * Tokens and costs summed over each run's subtree and its earliest `first_token_time`
   * (`include_subtree_usage`), else its own.
   */
  includeSubtreeUsage: boolean;
  /** The public URL of a shared run, or `undefined` when it is not shared. */
  shareUrl: (runId: string) => string | undefined;
  /** The reference dataset of a project, if it is an experiment. */
  datasetOf: (sessionId: string | null) => string | null;
  /** A run's attachments: name → presigned download URL (LangSmith's v2 `attachments`). */
  attachmentsOf: (runId: string) => Record<string, string>;
}

const PREVIEW_CHARS = 150;

/**
 * Stored runs in the v2 `Run` shape: upper-case `run_type` and `status`, `project_id` for the
 * session, `latency_seconds`, previews, and only the selected fields.
 */
export function toV2Runs(
  db: DatabaseSync,
  runs: readonly StoredRun[],
  options: V2RunViewOptions,
): Record<string, unknown>[] {
  const views = toRunViews(db, runs, { tenantId: options.tenantId }) as StudioRun[];
  const own = options.includeSubtreeUsage ? undefined : ownUsage(db, runs);
  const selected = new Set<string>(options.selects);
  return views.map((view, index) => {
    const run = runs[index]!;
    const usage: RunUsage = own?.get(run.id) ?? view;
    const metadata = view.extra?.metadata;
    const full: Record<string, unknown> = {
      id: view.id,
      name: view.name,
      run_type: view.run_type?.toUpperCase() ?? null,
      status: view.status.toUpperCase(),
      start_time: view.start_time,
      end_time: view.end_time,
      latency_seconds: latencySeconds(view.start_time, view.end_time),
      first_token_time: options.includeSubtreeUsage ? view.first_token_time : run.first_token_time,
      error: view.error,
      error_preview: preview(view.error),
      extra: view.extra ?? {},
      metadata: typeof metadata === "object" && metadata !== null ? metadata : {},
      events: view.events,
      inputs: view.inputs,
      inputs_preview: preview(view.inputs),
      outputs: view.outputs,
      outputs_preview: preview(view.outputs),
      manifest: typeof view.serialized === "object" && view.serialized !== null ? view.serialized : {},
      parent_run_id: view.parent_run_id,
      parent_run_ids: view.parent_run_ids,
      project_id: view.session_id,
      trace_id: view.trace_id,
      thread_id: view.thread_id,
      dotted_order: view.dotted_order,
      is_root: view.parent_run_id === null,
      reference_example_id: view.reference_example_id,
      reference_dataset_id: options.datasetOf(view.session_id),
      total_tokens: usage.total_tokens ?? 0,
      prompt_tokens: usage.prompt_tokens ?? 0,
      completion_tokens: usage.completion_tokens ?? 0,
      total_cost: usage.total_cost ?? 0,
      prompt_cost: usage.prompt_cost ?? 0,
      completion_cost: usage.completion_cost ?? 0,
      prompt_token_details: {},
      completion_token_details: {},
      prompt_cost_details: {},
      completion_cost_details: {},
      price_model_id: null,
      tags: view.tags,
      app_path: view.app_path,
      attachments: selected.has("ATTACHMENTS") ? options.attachmentsOf(view.id) : {},
      thread_evaluation_time: null,
      is_in_dataset: false,
      last_queued_at: null,
      share_url: options.shareUrl(view.id) ?? null,
      feedback_stats: view.feedback_stats ?? {},
      ls_user_id: null,
    };
    const picked: Record<string, unknown> = { id: view.id };
    for (const [key, value] of Object.entries(full)) {
      if (selected.has(key.toUpperCase()) && value !== null) picked[key] = value;
    }
    return picked;
  });
}

function latencySeconds(start: string | null, end: string | null): number | null {
  if (start === null || end === null) return null;
  return (Date.parse(end) - Date.parse(start)) / 1000;
}

function preview(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
}

function ownUsage(db: DatabaseSync, runs: readonly StoredRun[]): Map<string, RunUsage> {
  const rows = db
    .prepare(
      `SELECT id, prompt_tokens, completion_tokens, total_tokens, prompt_cost, completion_cost, total_cost
       FROM runs WHERE id IN (SELECT value FROM json_each(?))`,
    )
    .all(JSON.stringify(runs.map((r) => r.id)));
  return new Map(rows.map((row) => [String(row.id), usageOfRow(row)]));
}
