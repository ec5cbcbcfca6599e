/* BullMQ's Queue for tests that put jobs on the queue by hand (as a submitter elsewhere would). */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import type { ItemJobData } from "@catena/queue";
import type { Redis } from "ioredis";

/** The part of BullMQ's Queue the tests use. */
export interface JobQueue {
  add(name: string, data: ItemJobData, options: { jobId: string }): Promise<unknown>;
  close(): Promise<void>;
}

/** BullMQ's Queue, as @catena/queue has it (the tests package does not depend on BullMQ itself). */
export async function bullmqQueue(): Promise<
  new (
    name: string,
    options: { connection: Redis; prefix: string },
  ) => JobQueue
> {
  const require = createRequire(import.meta.resolve("@catena/queue"));
  const bullmq = (await import(pathToFileURL(require.resolve("bullmq")).href)) as { Queue: never };
  return bullmq.Queue;
}
