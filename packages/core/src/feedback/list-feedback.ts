import type { Feedback } from "langsmith/schemas";
import { sdkCall } from "../tracing/sdk-call.ts";
import { type TraceClient, traceClientFromEnv } from "../tracing/trace-client.ts";
import { type FeedbackRecord, feedbackRecordOf } from "./feedback-record.ts";

/** Options of {@link listFeedback}. */
export interface ListFeedbackOptions {
  /** Only feedback on these runs. */
  runIds?: readonly string[];
  /** Only feedback with these keys. */
  keys?: readonly string[];
  client?: TraceClient;
}

/**
 * Lists feedback, oldest first, through the SDK's `listFeedback`.
 *
 * @example
 * const ratings = await listFeedback({ runIds: [result.runId], keys: ["rating"] });
 */
export async function listFeedback(options: ListFeedbackOptions = {}): Promise<FeedbackRecord[]> {
  if (options.runIds?.length === 0 || options.keys?.length === 0) return [];
  const { client, url } = options.client ?? traceClientFromEnv();
  const items = await sdkCall(url, "list feedback", async () => {
    const out: Feedback[] = [];
    for await (const f of client.listFeedback({
      ...(options.runIds === undefined ? {} : { runIds: [...options.runIds] }),
      ...(options.keys === undefined ? {} : { feedbackKeys: [...options.keys] }),
    })) {
      out.push(f);
    }
    return out;
  });
  return items.map(feedbackRecordOf).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}
