// Public API of @catena/queue: batches on BullMQ over Redis, with workers on any number of machines.
export type { BatchFailure, BatchLookupOptions, BatchStatus, RemoveBatchOptions } from "./batch-status.ts";
export { batchStatus, cancelBatch, removeBatch } from "./batch-status.ts";
export { QueueError, type QueueErrorCode } from "./queue-error.ts";
export { DEFAULT_QUEUE_NAME, type ItemJobData, itemJobId } from "./queue-layout.ts";
export { type QueueRate, queueRate } from "./queue-rate.ts";
export type { QueueStall } from "./queue-stall.ts";
export { type QueueWorker, type QueueWorkerOptions, startWorker } from "./queue-worker.ts";
export { passwordPlaceholderUrl, redactedUrl } from "./redis-connection.ts";
export { redisQueue } from "./redis-queue.ts";
export type { RedisQueueOptions } from "./redis-queue-options.ts";
