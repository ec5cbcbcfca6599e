export type {
  ComparedExample,
  ExperimentResult,
  ExperimentSummary,
  FeedbackSummary,
  QueueItem,
  RunPageRow as RunRow,
  TrendRow,
} from "../../src/page-api-shapes.ts";

import type { JsonSchema } from "../../src/check-json-schema.ts";

/*
 * The shapes the page reads from the studio's API: LangSmith's (sessions, runs, feedback, feedback
 * configs, datasets) and the studio's own `/catena/` read endpoints.
 */

/** A project (LangSmith session). */
export interface Session {
  id: string;
  name: string;
  start_time: string;
  reference_dataset_id: string | null;
  run_count?: number;
}

/** A dataset. */
export interface Dataset {
  id: string;
  name: string;
  description: string | null;
  example_count?: number;
}

/** A run in LangSmith's shape, as `/catena/traces/{id}` and `GET /runs/{id}` answer it. */
export interface Run {
  id: string;
  name: string | null;
  run_type: string | null;
  start_time: string | null;
  end_time: string | null;
  status: string;
  error: string | null;
  inputs: unknown;
  outputs: unknown;
  extra: { metadata?: Record<string, unknown> } | null;
  trace_id: string | null;
  dotted_order: string | null;
  parent_run_id: string | null;
  session_id: string | null;
  total_tokens: number | null;
  total_cost: number | null;
  reference_example_id?: string | null;
}

/** A piece of feedback. */
export interface Feedback {
  id: string;
  run_id: string | null;
  key: string;
  score: number | null;
  value: unknown;
  comment: string | null;
  correction: unknown;
  feedback_source: { type?: string; metadata?: Record<string, unknown> } | null;
  created_at: string;
}

/** A trace: its runs in dotted order and their feedback. */
export interface TraceTree {
  trace_id: string;
  runs: Run[];
  feedback: Feedback[];
}

/** LangSmith's feedback config of a key. */
export interface FeedbackConfig {
  type: "continuous" | "categorical" | "freeform";
  min?: number | null;
  max?: number | null;
  categories?: Array<{ value: number; label?: string | null }> | null;
}

/** A row of `GET /feedback-configs`. */
export interface FeedbackConfigRow {
  feedback_key: string;
  feedback_config: FeedbackConfig;
}

/** A paused review, as `GET /catena/reviews` lists it. */
export interface PausedReview {
  run_id: string;
  trace_id: string;
  project: string;
  chain: string;
  version: string;
  step: string;
  decision_schema: JsonSchema;
  created_at: string;
  status: "waiting" | "decided" | "resumed";
  decision?: unknown;
  reviewer?: string;
}

export type { JsonSchema };

/** A chain's description as the studio keeps it (`GET /catena/chains/{fingerprint}`). */
export interface ChainDescription {
  name: string;
  version: string;
  fingerprint: string;
  mermaid: string;
  input?: JsonSchema;
  output?: JsonSchema;
}
