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

/** Mean score and count of one feedback key on a run. */
export interface FeedbackSummary {
  key: string;
  mean: number | null;
  count: number;
}

/** A row of `GET /catena/runs`. */
export interface RunRow {
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
  tier: string | null;
  model: string | null;
  confidence: number | null;
  latency_ms: number | null;
  total_tokens: number | null;
  total_cost: number | null;
  feedback: FeedbackSummary[];
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

/** An item of `GET /catena/queue`. */
export interface QueueItem {
  run_id: string;
  trace_id: string | null;
  session_id: string | null;
  reason: "review" | "deferred" | "low_confidence" | "sample";
  chain: string | null;
  version: string | null;
  status: string;
  confidence: number | null;
  threshold: number | null;
  start_time: string | null;
  inputs: unknown;
  outputs: unknown;
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

/** The subset of JSON Schema (as zod's `toJSONSchema` writes it) that forms and checks use. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  description?: string;
  title?: string;
  anyOf?: JsonSchema[];
  additionalProperties?: boolean | JsonSchema;
}

/** One day of one chain, version and model (`GET /catena/stats/trends`). */
export interface TrendRow {
  day: string;
  chain: string | null;
  version: string | null;
  model: string | null;
  runs: number;
  errors: number;
  error_rate: number;
  mean_rating: number | null;
  feedback_count: number;
  tiers: Record<string, number>;
  llm_share: number;
  cost: number;
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
}

/** An experiment and its aggregates. */
export interface ExperimentSummary {
  id: string;
  name: string;
  start_time: string;
  runs: number;
  errors: number;
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

/** One example across the compared experiments. */
export interface ComparedExample {
  example_id: string;
  inputs: unknown;
  reference: unknown;
  results: Record<string, ExperimentResult>;
}

/** A chain's description as the studio keeps it (`GET /catena/chains/{fingerprint}`). */
export interface ChainDescription {
  name: string;
  version: string;
  fingerprint: string;
  mermaid: string;
  input?: JsonSchema;
  output?: JsonSchema;
}
