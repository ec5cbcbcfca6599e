import type { Feedback } from "langsmith/schemas";

/** A JSON object, as feedback values and corrections are stored. */
export type FeedbackObject = { [key: string]: unknown };

/** One piece of feedback on a run, as Catena returns it. */
export interface FeedbackRecord {
  id: string;
  runId: string;
  key: string;
  /** A numeric score (e.g. 0/1 correctness, a 1-5 rating); booleans are stored as given. */
  score?: number | boolean;
  /** A non-numeric value (a label, a category). */
  value?: number | boolean | string | FeedbackObject;
  comment?: string;
  /** What the right output would have been: becomes a labelled example for training and evals. */
  correction?: FeedbackObject | string;
  /** ISO time it was given. */
  createdAt: string;
  /** Who or what gave it (`api`, `app`, `model`, ...). */
  sourceType?: string;
  /** Details of the source, e.g. `{ user: "ana" }`. */
  source?: FeedbackObject;
}

/** The Catena view of an SDK feedback object. */
export function feedbackRecordOf(f: Feedback): FeedbackRecord {
  const out: FeedbackRecord = { id: f.id, runId: f.run_id, key: f.key, createdAt: f.created_at ?? "" };
  if (f.score !== null && f.score !== undefined) out.score = f.score;
  if (f.value !== null && f.value !== undefined) out.value = f.value as NonNullable<FeedbackRecord["value"]>;
  if (typeof f.comment === "string") out.comment = f.comment;
  if (f.correction !== null && f.correction !== undefined)
    out.correction = f.correction as FeedbackObject | string;
  const source = f.feedback_source as { type?: unknown; metadata?: unknown } | null;
  if (typeof source?.type === "string") out.sourceType = source.type;
  if (
    typeof source?.metadata === "object" &&
    source.metadata !== null &&
    Object.keys(source.metadata).length > 0
  ) {
    out.source = source.metadata as FeedbackObject;
  }
  return out;
}
