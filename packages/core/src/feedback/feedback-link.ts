import { sdkCall } from "../tracing/sdk-call.ts";
import { type TraceClient, traceClientFromEnv } from "../tracing/trace-client.ts";
import { FeedbackInvalidError } from "./feedback-invalid-error.ts";

/** A presigned feedback URL: an end-user app POSTs `{ score, value, comment, correction }` to it, without any API key. */
export interface FeedbackLink {
  url: string;
  /** ISO time after which the backend refuses it. */
  expiresAt: string;
  tokenId: string;
}

/**
 * Creates a presigned link through which an end user (a thumbs-up button in an app) gives feedback
 * of one key on one run, without an API key, until it expires (default 3 hours).
 *
 * @example
 * const link = await feedbackLink(result.runId, "thumbs", { expiresInHours: 24 });
 * // in the browser: fetch(link.url, { method: "POST", body: JSON.stringify({ score: 1 }) })
 */
export async function feedbackLink(
  runId: string,
  key: string,
  options: { expiresInHours?: number; client?: TraceClient } = {},
): Promise<FeedbackLink> {
  const hours = options.expiresInHours ?? 3;
  if (!(hours > 0) || !Number.isFinite(hours)) {
    throw new FeedbackInvalidError(`expiresInHours must be a positive number (got ${hours}).`, {
      details: { expiresInHours: hours },
    });
  }
  if (key.trim() === "") throw new FeedbackInvalidError('A feedback link needs a key, e.g. "thumbs".');
  const { client, url } = options.client ?? traceClientFromEnv();
  const token = await sdkCall(url, `create a feedback link for run ${runId}`, () =>
    client.createPresignedFeedbackToken(runId, key, { expiration: { hours } }),
  );
  return { url: token.url, expiresAt: token.expires_at, tokenId: token.id };
}
