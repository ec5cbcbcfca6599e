/*
 * The shapes of the web page's read endpoints (`/catena/...`), shared by the studio's store, which
 * makes them, and the page, which reads them: plain types, with nothing of Node in them.
 */

import type { JsonSchema } from "./check-json-schema.ts";

/** Summary of one key's feedback on a run. */
export interface FeedbackSummary {
  key: string;
  mean: number | null;
  count: number;
}

/** One row of the runs table: the root run of a trace, with what the columns show. */
export interface RunPageRow {
  id: string;
  trace_id: string | null;
  name: string | null;
  start_time: string | null;
  end_time: string | null;
  status: string;
  error: string | null;
  input_preview: string;
  output_preview: string;
  chain: string | null;
  version: string | null;
  /**
   * The tier that answered: its last cascade's, else `llm`, `classifier`, `knn` or `none` by the step
   * that answered a chain without a cascade (see `answeringTierSql`); the `tier` filter matches this value.
   */
  tier: string | null;
  model: string | null;
  confidence: number | null;
  latency_ms: number | null;
  total_tokens: number | null;
  total_cost: number | null;
  feedback: FeedbackSummary[];
}

/** One day of one chain, version and model. */
export interface TrendRow {
  day: string;
  chain: string | null;
  version: string | null;
  model: string | null;
  runs: number;
  errors: number;
  error_rate: number;
  /** Mean `rating` feedback (the 1–5 scale), `null` with no ratings. */
  mean_rating: number | null;
  feedback_count: number;
  /** Runs per tier that answered (`rules`, `ml`, `llm`, ..., and `none`), as the runs table names them. */
  tiers: Record<string, number>;
  /** Share of runs an LLM answered: `tiers.llm / runs` (a cascade's `llm` tier or a chain's LLM step, cached or not). */
  llm_share: number;
  cost: number;
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
}

/** Why a run is in the review queue, in the order the queue lists them. */
export type QueueReason = "review" | "deferred" | "queued" | "low_confidence" | "sample";

/** One run to look at in the annotation queue. */
export interface QueueItem {
  run_id: string;
  trace_id: string | null;
  session_id: string | null;
  reason: QueueReason;
  /** With reason `queued`: the annotation queue the run was added to (`catena sample`, `catena shadow report`). */
  queue?: string;
  chain: string | null;
  version: string | null;
  status: string;
  /** The lowest confidence of an accepted answer in the trace, when one was near its threshold. */
  confidence: number | null;
  threshold: number | null;
  start_time: string | null;
  inputs: unknown;
  outputs: unknown;
  /** The chain's output schema, which a correction must fit; `null` when the studio knows none. */
  output_schema: JsonSchema | null;
}

/** One experiment (a session with a reference dataset) and its aggregates. */
export interface ExperimentSummary {
  id: string;
  name: string;
  start_time: string;
  runs: number;
  errors: number;
  /** Mean score per feedback key over the experiment's runs. */
  scores: Record<string, number | null>;
  total_cost: number;
  total_tokens: number;
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
  tiers: Record<string, number>;
}

/** One experiment's result on one example. */
export interface ExperimentResult {
  run_id: string;
  trace_id: string | null;
  outputs: unknown;
  error: string | null;
  latency_ms: number | null;
  total_cost: number | null;
  tier: string | null;
  scores: Record<string, number | null>;
}

/** One example, its reference outputs and each compared experiment's result. */
export interface ComparedExample {
  example_id: string;
  inputs: unknown;
  reference: unknown;
  results: Record<string, ExperimentResult>;
}
