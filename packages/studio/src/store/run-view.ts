import type { DatabaseSync, StatementSync } from "node:sqlite";
import { numberColumn, textColumn } from "./json-column.ts";
import type { RunUsage } from "./run-usage.ts";
import { runStatus, type StoredRun } from "./stored-run.ts";
import { threadIdOf } from "./thread-id.ts";

/** Counts, mean score and value counts of one feedback key on a run. */
export interface FeedbackStat {
  n: number;
  avg: number | null;
  values: Record<string, number>;
}

/** A run as the studio answers it, in LangSmith's `Run` shape. */
export interface StudioRun extends RunUsage {
  id: string;
  name: string | null;
  run_type: string | null;
  start_time: string | null;
  end_time: string | null;
  status: "error" | "success" | "pending";
  error: string | null;
  inputs: unknown;
  outputs: unknown;
  extra: Record<string, unknown> | null;
  events: unknown;
  serialized: unknown;
  tags: string[];
  trace_id: string | null;
  dotted_order: string | null;
  parent_run_id: string | null;
  parent_run_ids: string[];
  session_id: string | null;
  thread_id: string | null;
  reference_example_id: string | null;
  first_token_time: string | null;
  feedback_stats: Record<string, FeedbackStat> | null;
  app_path: string;
  child_run_ids: null;
}

/**
 * Turns stored runs into LangSmith run objects. Tokens and costs are summed over each run and its
 * descendants (so a chain run shows what its LLM calls used) and `first_token_time` is the
 * earliest of them (so a trace shows when its first token came, as LangSmith's subtree usage
 * does), feedback is summarised per key, and only the `select`ed fields are kept (`id` always is).
 */
export function toRunViews(
  db: DatabaseSync,
  runs: readonly StoredRun[],
  options: { tenantId: string; select?: readonly string[] | undefined },
): Partial<StudioRun>[] {
  if (runs.length === 0) return [];
  const select =
    options.select === undefined || options.select.length === 0 ? undefined : new Set(options.select);
  const wants = (field: string) => select === undefined || select.has(field);
  const usage =
    USAGE_FIELDS.some(wants) || wants("first_token_time")
      ? subtreeUsage(db, runs)
      : new Map<string, SubtreeUsage>();
  const feedback = wants("feedback_stats")
    ? feedbackStats(db, runs)
    : new Map<string, Record<string, FeedbackStat>>();
  return runs.map((run) => {
    const full: StudioRun = {
      id: run.id,
      name: run.name,
      run_type: run.run_type,
      start_time: run.start_time,
      end_time: run.end_time,
      status: runStatus(run),
      error: run.error,
      inputs: run.inputs ?? {},
      outputs: run.outputs,
      extra: run.extra,
      events: run.events ?? [],
      serialized: run.serialized,
      tags: run.tags ?? [],
      trace_id: run.trace_id,
      dotted_order: run.dotted_order,
      parent_run_id: run.parent_run_id,
      parent_run_ids: ancestorIds(run),
      session_id: run.session_id,
      thread_id: threadIdOf(run.extra),
      reference_example_id: run.reference_example_id,
      ...zeroTokensWhenNone(usage.get(run.id) ?? { ...emptyUsage, first_token_time: run.first_token_time }),
      feedback_stats: feedback.get(run.id) ?? null,
      app_path: `/o/${options.tenantId}/projects/p/${run.session_id}/r/${run.id}?trace_id=${run.trace_id}`,
      child_run_ids: null,
    };
    if (select === undefined) return full;
    const picked: Record<string, unknown> = { id: run.id };
    for (const key of select) if (key in full) picked[key] = full[key as keyof StudioRun];
    return picked as Partial<StudioRun>;
  });
}

const emptyUsage: RunUsage = {
  prompt_tokens: null,
  completion_tokens: null,
  total_tokens: null,
  prompt_cost: null,
  completion_cost: null,
  total_cost: null,
};

// LangSmith reports a run that used no tokens as 0 tokens (a cost it does not know stays null), and
// the run filter compares it so (run-filter.ts): `lt(total_tokens, 100)` finds such runs.
function zeroTokensWhenNone<T extends RunUsage>(usage: T): T {
  return {
    ...usage,
    prompt_tokens: usage.prompt_tokens ?? 0,
    completion_tokens: usage.completion_tokens ?? 0,
    total_tokens: usage.total_tokens ?? 0,
  };
}

// Any of them selected alone (`select: ["prompt_cost"]`) must still be the subtree's sum.
const USAGE_FIELDS = Object.keys(emptyUsage) as readonly (keyof RunUsage)[];

// Ancestors from the dotted order: each segment ends with the run id (36 characters), root first.
function ancestorIds(run: StoredRun): string[] {
  if (run.dotted_order === null) return run.parent_run_id === null ? [] : [run.parent_run_id];
  return run.dotted_order
    .split(".")
    .slice(0, -1)
    .map((segment) => segment.slice(-36));
}

const usageStatements = new WeakMap<DatabaseSync, StatementSync>();

// A run's subtree is the runs of its trace whose dotted order starts with its own; '~' sorts after
// every character a dotted order contains, which turns the prefix into a range on the trace index.
/** Usage summed over a run's subtree, and the subtree's first token. */
type SubtreeUsage = RunUsage & { first_token_time: string | null };

// One prepared range query per run measured 4x faster than one join over the whole page.
function subtreeUsage(db: DatabaseSync, runs: readonly StoredRun[]): Map<string, SubtreeUsage> {
  let statement = usageStatements.get(db);
  if (statement === undefined) {
    statement = db.prepare(
      `SELECT SUM(prompt_tokens) AS prompt_tokens, SUM(completion_tokens) AS completion_tokens,
              SUM(total_tokens) AS total_tokens, SUM(prompt_cost) AS prompt_cost,
              SUM(completion_cost) AS completion_cost, SUM(total_cost) AS total_cost,
              MIN(first_token_time) AS first_token_time
       FROM runs WHERE trace_id = ? AND dotted_order >= ? AND dotted_order < ?`,
    );
    usageStatements.set(db, statement);
  }
  const out = new Map<string, SubtreeUsage>();
  for (const run of runs) {
    if (run.trace_id === null || run.dotted_order === null) continue;
    const row = statement.get(run.trace_id, run.dotted_order, `${run.dotted_order}~`);
    if (row === undefined) continue;
    out.set(run.id, { ...usageOfRow(row), first_token_time: textColumn(row.first_token_time) });
  }
  return out;
}

/** The six usage columns of a row (of `runs`, or of sums named like them). */
export function usageOfRow(row: Record<string, unknown>): RunUsage {
  return {
    prompt_tokens: numberColumn(row.prompt_tokens),
    completion_tokens: numberColumn(row.completion_tokens),
    total_tokens: numberColumn(row.total_tokens),
    prompt_cost: numberColumn(row.prompt_cost),
    completion_cost: numberColumn(row.completion_cost),
    total_cost: numberColumn(row.total_cost),
  };
}

function feedbackStats(
  db: DatabaseSync,
  runs: readonly StoredRun[],
): Map<string, Record<string, FeedbackStat>> {
  const ids = runs.map((r) => r.id);
  const marks = ids.map(() => "?").join(", ");
  const out = new Map<string, Record<string, FeedbackStat>>();
  const counts = db
    .prepare(
      `SELECT run_id, key, COUNT(*) AS n, AVG(score) AS avg FROM feedback WHERE run_id IN (${marks}) GROUP BY run_id, key`,
    )
    .all(...ids);
  for (const row of counts) {
    const runId = String(row.run_id);
    const stats = out.get(runId) ?? {};
    stats[String(row.key)] = { n: numberColumn(row.n) ?? 0, avg: numberColumn(row.avg), values: {} };
    out.set(runId, stats);
  }
  const values = db
    .prepare(
      `SELECT run_id, key, value, COUNT(*) AS n FROM feedback WHERE run_id IN (${marks}) AND value IS NOT NULL GROUP BY run_id, key, value`,
    )
    .all(...ids);
  for (const row of values) {
    const stat = out.get(String(row.run_id))?.[String(row.key)];
    const raw = textColumn(row.value);
    if (stat === undefined || raw === null) continue;
    const parsed: unknown = JSON.parse(raw);
    stat.values[typeof parsed === "string" ? parsed : raw] = numberColumn(row.n) ?? 0;
  }
  return out;
}
