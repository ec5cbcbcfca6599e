import type { RedisClient, Worker } from "bullmq";
import { stopWorkerTimers } from "./bullmq-worker-timers.ts";

/**
 * Closes a BullMQ worker without waiting for its items or its connections, and leaves nothing of it
 * that keeps the process alive. BullMQ keeps its first close: a normal close begun before and stuck
 * (it waits for an "end" of its blocking connection that a reconnecting ioredis never sends) makes
 * `close(true)` wait on it too, and never reaches stopping its lock-renewal timer, which re-arms
 * itself for good. That timer and the stalled-job check are stopped here (the only use of BullMQ's
 * internals, see {@link stopWorkerTimers}), and the blocking connections dropped.
 */
export function forceCloseWorker(worker: Worker, blocking: readonly RedisClient[]): void {
  void worker.close(true).catch(() => undefined);
  stopWorkerTimers(worker);
  for (const client of blocking) client.disconnect();
}
