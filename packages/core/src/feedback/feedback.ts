import { backendError, isNotFound, refusalDetail, sdkCall } from "../tracing/sdk-call.ts";
import { type TraceClient, traceClientFromEnv } from "../tracing/trace-client.ts";
import { RunNotFoundError } from "../tracing/tracing-errors.ts";
import { readRunTree } from "../tracing/v2-run-reads.ts";
import {
  categoryScore,
  checkFeedbackConfig,
  type FeedbackConfig,
  readFeedbackConfig,
} from "./feedback-config.ts";
import { FeedbackInvalidError } from "./feedback-invalid-error.ts";
import type { FeedbackObject, FeedbackRecord } from "./feedback-record.ts";

/** What feedback says about a run: a key and at least one of score, value, comment, correction. */
export interface FeedbackFields {
  /** What is judged: `correctness`, `rating`, `thumbs`, ... */
  key: string;
  score?: number | boolean;
  value?: number | boolean | string | FeedbackObject;
  comment?: string;
  /** The right output, e.g. `{ queue: "billing" }`: it becomes a labelled example. */
  correction?: FeedbackObject;
  /** Who gives it, e.g. `{ user: "ana" }` (stored as the feedback source's metadata). */
  source?: FeedbackObject;
}

/**
 * Attaches feedback to a run (a whole chain run or one step) on the trace backend, through the
 * SDK's `createFeedback`. The run must have been traced and flushed; its project is looked up so
 * that the feedback lands next to it. The feedback must fit its key's config (`options.config`,
 * else the backend's, else `DEFAULT_FEEDBACK_CONFIGS`: `rating` is 1–5), or a
 * {@link FeedbackInvalidError} says what would.
 *
 * @example
 * await feedback(result.runId, { key: "correctness", score: 0, correction: { queue: "billing" } });
 */
export async function feedback(
  runId: string,
  fields: FeedbackFields,
  options: { client?: TraceClient; config?: FeedbackConfig } = {},
): Promise<FeedbackRecord> {
  checkFields(fields);
  const traceClient = options.client ?? traceClientFromEnv();
  const { client, url } = traceClient;
  // Checked before anything is sent, so that a wrong score never reaches the backend.
  const config = options.config ?? (await readFeedbackConfig(fields.key, { client: traceClient }));
  if (config !== undefined) checkFeedbackConfig(fields.key, config, fields);
  const score = fields.score ?? categoryScore(config, fields.value);
  let run: Awaited<ReturnType<typeof readRunTree>>;
  try {
    run = await readRunTree(client, runId, { children: false });
  } catch (error) {
    if (isNotFound(error) || /uuid/i.test(error instanceof Error ? error.message : "")) {
      throw new RunNotFoundError(runId, url, { cause: error });
    }
    throw backendError(error, url, `read run ${runId}`);
  }
  if (run === undefined) throw new RunNotFoundError(runId, url);
  const created = await sdkCall(url, `give feedback "${fields.key}" on run ${runId}`, () =>
    client
      .createFeedback({
        runId,
        key: fields.key,
        ...(score === undefined ? {} : { score }),
        ...(fields.value === undefined ? {} : { value: fields.value }),
        ...(fields.comment === undefined ? {} : { comment: fields.comment }),
        ...(fields.correction === undefined ? {} : { correction: fields.correction }),
        ...(run.session_id === undefined ? {} : { sessionId: run.session_id }),
        feedbackSourceType: "api",
        // The backend stores a key's config on first use (the studio enforces it from then on).
        ...(config === undefined ? {} : { feedbackConfig: config }),
        ...(fields.source === undefined ? {} : { sourceInfo: fields.source }),
      })
      .catch((error: unknown) => {
        // The backend checks what Catena cannot know here (a correction against the chain's output
        // schema, a config stored since): its refusal is the feedback's fault, said in its words.
        const detail = refusalDetail(error);
        if (detail === undefined) throw error;
        throw new FeedbackInvalidError(`Feedback "${fields.key}" on run ${runId} was refused: ${detail}`, {
          cause: error,
          details: { key: fields.key, runId },
        });
      }),
  );
  const record: FeedbackRecord = {
    id: created.id,
    runId,
    key: fields.key,
    createdAt: new Date().toISOString(),
  };
  if (score !== undefined) record.score = score;
  if (fields.value !== undefined) record.value = fields.value;
  if (fields.comment !== undefined) record.comment = fields.comment;
  if (fields.correction !== undefined) record.correction = fields.correction;
  record.sourceType = "api";
  if (fields.source !== undefined) record.source = fields.source;
  return record;
}

function checkFields(fields: FeedbackFields): void {
  if (typeof fields.key !== "string" || fields.key.trim() === "") {
    throw new FeedbackInvalidError(
      'Feedback needs a key saying what is judged, e.g. { key: "correctness", score: 1 }.',
    );
  }
  const { score } = fields;
  if (
    score !== undefined &&
    typeof score !== "boolean" &&
    !(typeof score === "number" && Number.isFinite(score))
  ) {
    throw new FeedbackInvalidError(
      `Feedback "${fields.key}": score must be a finite number or a boolean (got ${JSON.stringify(score)}); put labels in value.`,
      { details: { key: fields.key, score } },
    );
  }
  if (
    fields.correction !== undefined &&
    (typeof fields.correction !== "object" || fields.correction === null || Array.isArray(fields.correction))
  ) {
    throw new FeedbackInvalidError(
      `Feedback "${fields.key}": correction must be a JSON object with the right output, e.g. { "queue": "billing" }.`,
      { details: { key: fields.key } },
    );
  }
  if (
    fields.score === undefined &&
    fields.value === undefined &&
    fields.comment === undefined &&
    fields.correction === undefined
  ) {
    throw new FeedbackInvalidError(
      `Feedback "${fields.key}" says nothing: give a score, a value, a comment or a correction.`,
      { details: { key: fields.key } },
    );
  }
}
