// One worker process of the worker-kill benchmark (spawned by worker-kill.bench.ts with an IPC
// channel): `startWorker` with the kill chain, which tells the parent each item it starts.
import { ChainRegistry } from "@catena/core";
import { startWorker } from "@catena/queue";
import { killChain } from "./kill-chain.ts";

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const lockDurationMs = process.env.BENCH_LOCK_MS;
const worker = await startWorker({
  url: env("BENCH_REDIS_URL"),
  queueName: env("BENCH_QUEUE_NAME"),
  chains: new ChainRegistry([killChain]),
  concurrency: Number(env("BENCH_CONCURRENCY")),
  ...(lockDurationMs === undefined ? {} : { lockDurationMs: Number(lockDurationMs) }),
});
process.send?.({ kind: "ready" });
process.on("message", (message) => {
  if (message === "stop") void worker.close().then(() => process.disconnect());
});
