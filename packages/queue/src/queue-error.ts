import { CatenaError } from "@catena/core";

/** The codes of {@link QueueError}. */
export type QueueErrorCode =
  /** A worker's chain has another fingerprint than the one the batch was submitted with. */
  | "QUEUE_CHAIN_MISMATCH"
  /** A worker does not know the batch's chain (name and version) at all. */
  | "QUEUE_CHAIN_UNKNOWN"
  /** The batch was cancelled with `catena queue cancel` (or {@link cancelBatch}). */
  | "QUEUE_BATCH_CANCELLED"
  /** No batch of that id was ever submitted to the queue. */
  | "QUEUE_BATCH_UNKNOWN"
  /** `removeBatch` on a batch with items waiting or running that was not cancelled first. */
  | "QUEUE_BATCH_RUNNING"
  /** The batch was removed (`catena queue remove --force`) while its submitter was running. */
  | "QUEUE_BATCH_REMOVED"
  /** A job failed on the queue for a reason other than the chain's own result. */
  | "QUEUE_JOB_FAILED"
  /** Redis answered, but wants a password the address lacks, or refused the one it gives. */
  | "QUEUE_AUTH"
  /** No Redis answered at the queue's address in time. */
  | "QUEUE_UNREACHABLE"
  /** The queue's address is not a `redis://` or `rediss://` URL. */
  | "QUEUE_URL"
  /** An option of a queue or a worker has a value it cannot take (e.g. `answerWithinMs: 0`). */
  | "QUEUE_OPTION";

/** An error of `@catena/queue`; the message names what is wrong and what to do. */
export class QueueError extends CatenaError<QueueErrorCode> {}
