import { api } from "./api.ts";
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
