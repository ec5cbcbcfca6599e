import type { DatabaseSync } from "node:sqlite";
import type { ComparedExample, ExperimentSummary } from "../page-api-shapes.ts";
import { fromJsonColumn, metadataSql, numberColumn, textColumn } from "./json-column.ts";
import { percentile } from "./percentile.ts";
import { feedbackSummaries } from "./run-page-query.ts";

/** The experiments on dataset `datasetId`, newest first, with their aggregates. */
export function listExperiments(db: DatabaseSync, datasetId: string): ExperimentSummary[] {
  const sessions = db
    .prepare("SELECT id FROM sessions WHERE reference_dataset_id = ? ORDER BY start_time DESC")
    .all(datasetId);
  return summarise(
    db,
    sessions.map((s) => String(s.id)),
  );
}

/** Aggregates and per-example results of the experiments `sessionIds`, for the compare view. */
export function compareExperiments(
  db: DatabaseSync,
  sessionIds: readonly string[],
): { experiments: ExperimentSummary[]; examples: ComparedExample[] } {
  const experiments = summarise(db, sessionIds);
  const examples = new Map<string, ComparedExample>();
  for (const sessionId of sessionIds) {
    const runs = rootRuns(db, sessionId);
    const scores = feedbackSummaries(
      db,
      runs.map((r) => r.run_id),
    );
    for (const run of runs) {
      if (run.example_id === null) continue;
      let example = examples.get(run.example_id);
      if (example === undefined) {
        const row = db.prepare("SELECT inputs, outputs FROM examples WHERE id = ?").get(run.example_id);
        example = {
          example_id: run.example_id,
          inputs: fromJsonColumn(row?.inputs),
          reference: fromJsonColumn(row?.outputs),
          results: {},
        };
        examples.set(run.example_id, example);
      }
      example.results[sessionId] = {
        run_id: run.run_id,
        trace_id: run.trace_id,
        outputs: run.outputs,
        error: run.error,
        latency_ms: run.latency_ms,
        total_cost: run.total_cost,
        tier: run.tier,
        scores: Object.fromEntries((scores.get(run.run_id) ?? []).map((s) => [s.key, s.mean])),
      };
    }
  }
  return { experiments, examples: [...examples.values()] };
}

interface RootRun {
  run_id: string;
  trace_id: string | null;
  example_id: string | null;
  outputs: unknown;
  error: string | null;
  latency_ms: number | null;
  total_cost: number | null;
  total_tokens: number | null;
  tier: string | null;
}

function rootRuns(db: DatabaseSync, sessionId: string): RootRun[] {
  return db
    .prepare(
      `SELECT r.id, r.trace_id, r.reference_example_id, r.outputs, r.error, r.total_cost, r.total_tokens,
        coalesce(${metadataSql("r", "ms")}, (julianday(r.end_time) - julianday(r.start_time)) * 86400000) AS ms,
        r.answering_tier AS tier
      FROM runs AS r WHERE r.session_id = ? AND r.parent_run_id IS NULL ORDER BY r.start_time`,
    )
    .all(sessionId)
    .map((row) => ({
      run_id: String(row.id),
      trace_id: textColumn(row.trace_id),
      example_id: textColumn(row.reference_example_id),
      outputs: fromJsonColumn(row.outputs),
      error: textColumn(row.error),
      latency_ms: numberColumn(row.ms),
      total_cost: numberColumn(row.total_cost),
      total_tokens: numberColumn(row.total_tokens),
      tier: textColumn(row.tier),
    }));
}

function summarise(db: DatabaseSync, sessionIds: readonly string[]): ExperimentSummary[] {
  return sessionIds.flatMap((id) => {
    const session = db.prepare("SELECT id, name, start_time FROM sessions WHERE id = ?").get(id);
    if (session === undefined) return [];
    const runs = rootRuns(db, id);
    const feedback = feedbackSummaries(
      db,
      runs.map((r) => r.run_id),
    );
    const sums = new Map<string, { total: number; n: number }>();
    for (const list of feedback.values()) {
      for (const f of list) {
        if (f.mean === null) continue;
        const s = sums.get(f.key) ?? { total: 0, n: 0 };
        s.total += f.mean;
        s.n++;
        sums.set(f.key, s);
      }
    }
    const ms = runs.flatMap((r) => (r.latency_ms === null ? [] : [r.latency_ms])).sort((a, b) => a - b);
    const tiers: Record<string, number> = {};
    for (const r of runs) tiers[r.tier ?? "none"] = (tiers[r.tier ?? "none"] ?? 0) + 1;
    return [
      {
        id,
        name: String(session.name),
        start_time: String(session.start_time),
        runs: runs.length,
        errors: runs.filter((r) => r.error !== null).length,
        scores: Object.fromEntries([...sums].map(([key, s]) => [key, s.total / s.n])),
        total_cost: runs.reduce((a, r) => a + (r.total_cost ?? 0), 0),
        total_tokens: runs.reduce((a, r) => a + (r.total_tokens ?? 0), 0),
        latency_p50_ms: percentile(ms, 50),
        latency_p95_ms: percentile(ms, 95),
        tiers,
      },
    ];
  });
}
