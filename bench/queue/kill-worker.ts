// One worker process of the worker-kill benchmark (spawned by worker-kill.bench.ts with an IPC
// channel): BENCH_WORKERS workers (`startWorker`, 1 by default) with the kill chain, which tells the
// parent each item it starts. BENCH_QUEUE_SRC, when set, is the module to take `startWorker` from
// instead of @catena/queue (the bench's "before" code, a copy of an older packages/queue/src).
import { ChainRegistry } from "@catena/core";
import type { startWorker as StartWorker } from "@catena/queue";
import { killChain } from "./kill-chain.ts";

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const source = process.env.BENCH_QUEUE_SRC;
const { startWorker } = (await import(source ?? "@catena/queue")) as { startWorker: typeof StartWorker };
const lockDurationMs = process.env.BENCH_LOCK_MS;
const workers = await Promise.all(
  Array.from({ length: Number(process.env.BENCH_WORKERS ?? "1") }, () =>
    startWorker({
      url: env("BENCH_REDIS_URL"),
      queueName: env("BENCH_QUEUE_NAME"),
      chains: new ChainRegistry([killChain]),
      concurrency: Number(env("BENCH_CONCURRENCY")),
      ...(lockDurationMs === undefined ? {} : { lockDurationMs: Number(lockDurationMs) }),
    }),
  ),
);
process.send?.({ kind: "ready" });
process.on("message", (message) => {
  if (message === "stop") void Promise.all(workers.map((w) => w.close())).then(() => process.disconnect());
});
