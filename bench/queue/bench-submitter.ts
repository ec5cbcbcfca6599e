// The submitting process of the queue benchmark (spawned by queue.bench.ts with an IPC channel):
// runBatch over BENCH_ITEMS inputs, locally (BENCH_MODE=local) or on the Redis queue
// (BENCH_MODE=queue), writing a results file; reports memory every second and, at the end, the wall
// time, CPU and counts. Kept out of the parent so that the test server's CPU and memory are not its.
import { runBatch } from "@catena/core";
import { redisQueue } from "@catena/queue";
import { benchChain, LABELS } from "./bench-chain.ts";

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const items = Number(env("BENCH_ITEMS"));
const inputs = (function* () {
  for (let i = 0; i < items; i++) yield { text: `item ${i}: ${LABELS[i % 3]} question` };
})();
const queued = env("BENCH_MODE") === "queue";
const rate = process.env.BENCH_RATE_PER_MINUTE;
const timer = setInterval(
  () => process.connected && process.send?.({ kind: "sample", rss: process.memoryUsage().rss }),
  1000,
);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const summary = await runBatch(benchChain(env("BENCH_OPENAI_URL")), inputs, {
  concurrency: Number(env("BENCH_CONCURRENCY")),
  checkpoint: env("BENCH_OUT"),
  total: items,
  ...(queued
    ? {
        queue: redisQueue(env("BENCH_REDIS_URL"), {
          queueName: env("BENCH_QUEUE_NAME"),
          ...(rate === undefined ? {} : { rate: { max: Number(rate) / 60, durationMs: 1000 } }),
        }),
      }
    : {}),
});
clearInterval(timer);
process.send?.({
  kind: "final",
  seconds: (performance.now() - t0) / 1000,
  cpu: process.cpuUsage(cpu0),
  rss: process.memoryUsage().rss,
  done: summary.done,
  failed: summary.failed + summary.deferred,
});
process.disconnect();
