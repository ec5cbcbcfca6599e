// One worker process of the queue benchmark (spawned by queue.bench.ts with an IPC channel):
// `startWorker` from @catena/queue with the benchmark chain; reports its memory and CPU every second
// and once more when told to stop.
import { ChainRegistry } from "@catena/core";
import { startWorker } from "@catena/queue";
import { benchChain } from "./bench-chain.ts";

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const worker = await startWorker({
  url: env("BENCH_REDIS_URL"),
  queueName: env("BENCH_QUEUE_NAME"),
  chains: new ChainRegistry([benchChain(env("BENCH_OPENAI_URL"))]),
  concurrency: Number(env("BENCH_CONCURRENCY")),
});
const report = (kind: string): void => {
  if (process.connected)
    process.send?.({
      kind,
      rss: process.memoryUsage().rss,
      cpu: process.cpuUsage(),
      finished: worker.finished,
    });
};
report("ready");
const timer = setInterval(() => report("sample"), 1000);
process.on("message", (message) => {
  if (message !== "stop") return;
  clearInterval(timer);
  void worker.close().then(() => {
    report("final");
    process.disconnect();
  });
});
