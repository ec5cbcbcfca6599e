import { backendError, isNotFound } from "./sdk-call.ts";
import type { TraceClient } from "./trace-client.ts";
import { runKeysOf } from "./v2-run-reads.ts";

/** What {@link addToAnnotationQueue} did. */
export type AnnotationQueueResult =
  | { status: "queued"; queueId: string; queue: string; runs: number }
  /** The backend has no annotation queues (an older studio): write the items elsewhere. */
  | { status: "unavailable" };

/**
 * Adds runs to the annotation queue named `queue` on LangSmith or the studio, creating the queue
 * when missing. A backend without `/annotation-queues` answers `unavailable` instead of failing, so
 * that callers fall back to a file; other failures are `TracingUnavailableError`s.
 *
 * @example
 * const r = await addToAnnotationQueue(reader.client, "banking-intents daily", runIds);
 * if (r.status === "unavailable") writeFileSync("sample.jsonl", lines);
 */
export async function addToAnnotationQueue(
  { client, url }: TraceClient,
  queue: string,
  runIds: readonly string[],
  description?: string,
): Promise<AnnotationQueueResult> {
  let queueId: string | undefined;
  try {
    for await (const q of client.listAnnotationQueues({ name: queue, limit: 1 })) {
      queueId = q.id;
      break;
    }
  } catch (error) {
    if (isNotFound(error) || /\b(404|405|501)\b/.test(String(error))) return { status: "unavailable" };
    throw backendError(error, url, "list annotation queues");
  }
  try {
    queueId ??= await createOrFind(client, queue, description);
    // Full run keys, not bare ids: the SDK deprecates those (and LangSmith finds keyed runs without a scan).
    const keys = runIds.length === 0 ? [] : await runKeysOf(client, runIds);
    if (keys.length > 0) await client.addRunsToAnnotationQueue(queueId, keys);
  } catch (error) {
    throw backendError(error, url, `add runs to annotation queue "${queue}"`);
  }
  return { status: "queued", queueId, queue, runs: runIds.length };
}

/**
 * Creates the queue; when that fails because another process created it since the look-up (queue
 * names are unique in LangSmith and the studio: 409), uses the one it made.
 */
async function createOrFind(
  client: TraceClient["client"],
  queue: string,
  description: string | undefined,
): Promise<string> {
  try {
    const created = await client.createAnnotationQueue({
      name: queue,
      ...(description === undefined ? {} : { description }),
    });
    return created.id;
  } catch (error) {
    for await (const q of client.listAnnotationQueues({ name: queue, limit: 1 })) return q.id;
    throw error;
  }
}
