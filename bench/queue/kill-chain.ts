// The chain of the worker-kill benchmark: tells its worker process's parent that it started (over
// the IPC channel, when there is one), sleeps `ms`, and says which process ran it. Defined once, so
// that the submitter and every worker process get the same fingerprint.
import { code, defineChain } from "@catena/core";
import { z } from "zod";

export const killChain = defineChain({
  name: "bench-queue-kill",
  version: "1.0.0",
  input: z.object({ n: z.number(), ms: z.number() }),
  output: z.object({ n: z.number(), pid: z.number() }),
  flow: code("sleep", async ({ n, ms }: { n: number; ms: number }) => {
    if (process.connected) process.send?.({ kind: "start", n });
    await new Promise((resolve) => setTimeout(resolve, ms));
    return { n, pid: process.pid };
  }),
});
