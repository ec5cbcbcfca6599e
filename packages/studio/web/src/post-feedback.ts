import { ApiError, api } from "./api.ts";
import { feedbackSource } from "./reviewer.ts";
import type { Feedback } from "./types.ts";

/** What the page sends as one piece of feedback on a run. */
export interface FeedbackInput {
  key: string;
  score?: number;
  comment?: string;
  correction?: unknown;
}

/** Posts feedback on `runId` (LangSmith's `POST /feedback`), naming the reviewer as its source. */
export function postFeedback(
  run: { id: string; trace_id: string | null },
  input: FeedbackInput,
  reviewer: string,
): Promise<Feedback> {
  return api<Feedback>("/feedback", {
    method: "POST",
    body: {
      run_id: run.id,
      ...(run.trace_id === null ? {} : { trace_id: run.trace_id }),
      ...input,
      feedback_source: feedbackSource(reviewer),
    },
  });
}

/**
 * What the page says when feedback was not saved: the studio's refusal, or, when no answer came
 * (the studio stopped or restarting), that nothing was saved and that saving again will do.
 */
export function feedbackFailure(error: unknown): string {
  if (error instanceof ApiError) return `Refused: ${error.message}`;
  const why = error instanceof Error ? error.message : String(error);
  return `Not saved: the studio did not answer (${why}). What you wrote is kept; save again once the studio runs.`;
}
