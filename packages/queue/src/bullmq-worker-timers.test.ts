import { describe, expect, it } from "vitest";
import { stopWorkerTimers } from "./bullmq-worker-timers.ts";

describe("stopWorkerTimers on a worker whose internals are not BullMQ 5's", () => {
  it("stops nothing and throws nothing when the fields are missing or of another shape", () => {
    const shapes: object[] = [
      {},
      { lockManager: 42, stalledCheckStopper: "stop" },
      { lockManager: null, stalledCheckStopper: null },
      { lockManager: { close: "not a function" } },
      Object.defineProperty({}, "lockManager", {
        get() {
          throw new Error("a getter that throws");
        },
      }),
      new Proxy(
        {},
        {
          get() {
            throw new Error("a proxy that throws");
          },
        },
      ),
    ];
    for (const worker of shapes) {
      expect(stopWorkerTimers(worker)).toEqual({ lockRenewal: false, stalledCheck: false });
    }
  });

  it("says what it stopped, and swallows what the internals throw or reject with", async () => {
    let closed = 0;
    const rejecting = {
      lockManager: {
        close: () => {
          closed++;
          return Promise.reject(new Error("closed already"));
        },
      },
      stalledCheckStopper: () => {
        throw new Error("stopped already");
      },
    };
    // The stopper's throw is after the lock manager's close: the close is still reported.
    expect(stopWorkerTimers(rejecting)).toEqual({ lockRenewal: true, stalledCheck: false });
    expect(closed).toBe(1);
    let stoppedWith: unknown;
    const working = {
      lockManager: { close: async () => undefined },
      stalledCheckStopper(this: unknown) {
        stoppedWith = this;
      },
    };
    expect(stopWorkerTimers(working)).toEqual({ lockRenewal: true, stalledCheck: true });
    expect(stoppedWith).toBe(working);
    // No unhandled rejection from the first worker's close.
    await new Promise((resolve) => setImmediate(resolve));
  });
});
