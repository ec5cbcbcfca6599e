import type { QueuedRunResult } from "@catena/core";
import { Worker } from "bullmq";
import type { ItemJobData } from "./queue-layout.ts";

/** Told when a {@link TrackedWorker} begins handling an item, and when it is done with it. */
export interface ItemTracking {
  begin(): void;
  end(): void;
}

/**
 * BullMQ's Worker, telling when it begins an item and when it is done with it: after its result
 * was stored (or its failure, or the store gave up), not when the processor returned. An item whose
 * chain ended while Redis was away is still the worker's until then, and a closing worker waits for
 * Redis to take its result, instead of closing at once and leaving the result to be lost.
 * `processJob` is public in BullMQ 5's Worker (its main loop calls it for every job).
 */
export class TrackedWorker extends Worker<ItemJobData, QueuedRunResult> {
  readonly #tracking: ItemTracking;

  constructor(
    tracking: ItemTracking,
    ...args: ConstructorParameters<typeof Worker<ItemJobData, QueuedRunResult>>
  ) {
    super(...args);
    this.#tracking = tracking;
  }

  override async processJob(
    ...args: Parameters<Worker<ItemJobData, QueuedRunResult>["processJob"]>
  ): ReturnType<Worker<ItemJobData, QueuedRunResult>["processJob"]> {
    this.#tracking.begin();
    try {
      return await super.processJob(...args);
    } finally {
      this.#tracking.end();
    }
  }
}
