// Batches on the Redis queue (@catena/queue) against local runBatch, on the same work: ITEMS items
// through a chain whose one llm step is answered by the OpenAI test server after 50 ms.
//   1. throughput: local runBatch (concurrency 16), the queue with 1 worker and with 2 workers
//      (concurrency 16 each; the submitter keeps 256 items on the queue), and CPU per item
//      (submitter + workers) against local: the queue's per-item overhead;
//   2. a shared limit of RATE_LIMIT requests/min across 2 workers: achieved rate, and the most
//      requests the test server saw in any 10 s window (allowed: RATE_LIMIT / 6);
//   3. memory (RSS) of the submitter and of each worker, sampled every second: over the ITEMS of the
//      2-worker throughput run, and with --only=memory over MEMORY_ITEMS items.
//
//   node --conditions=@catena/source bench/queue/queue.bench.ts \
//     [--items=10000] [--rate-items=600] [--rate-limit=600] [--memory-items=100000] [--only=throughput,rate,memory]
//
// redis-server is Debian's, started by tests/support/redis.ts (installed with apt-get when missing).
// Every submitter and worker is its own process; the parent runs only Redis and the test server.
import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startOpenAiTestServer } from "@catena/testing";
import { startRedis } from "../../tests/support/redis.ts";
import { fmt, loadNote, machineNotes, markdownTable, numberArg, stringArg } from "../lib/report.ts";
import { LABELS } from "./bench-chain.ts";

const ITEMS = numberArg("items", 10_000);
const RATE_ITEMS = numberArg("rate-items", 600);
const RATE_LIMIT = numberArg("rate-limit", 600);
const MEMORY_ITEMS = numberArg("memory-items", 100_000);
const PHASES = (stringArg("only") ?? "throughput,rate").split(",");
const CONCURRENCY = 16;
const WINDOW = 256;
const here = import.meta.dirname;
const execArgv = ["--conditions=@catena/source", "--disable-warning=ExperimentalWarning"];

const redis = await startRedis();
const server = await startOpenAiTestServer({
  chat: (_request, info) => {
    const label = LABELS.find((l) => info.userText.includes(l)) ?? "other";
    return { json: { label }, tokenLogprobs: { [label]: Math.log(0.92) }, delayMs: 50 };
  },
});
const work = mkdtempSync(join(tmpdir(), "catena-queue-bench-"));
let queueCount = 0;

interface Report {
  kind: "ready" | "sample" | "final";
  rss: number;
  cpu?: NodeJS.CpuUsage;
  seconds?: number;
  done?: number;
  failed?: number;
  finished?: number;
}

interface Proc {
  child: ChildProcess;
  samples: number[];
  first?: Report;
  final: Promise<Report>;
}

function start(script: string, env: Record<string, string>): Proc {
  const child = fork(join(here, script), [], { execArgv, env: { ...process.env, ...env } });
  const proc: Proc = { child, samples: [], final: Promise.resolve({ kind: "final", rss: 0 }) };
  proc.final = new Promise((resolve, reject) => {
    child.on("message", (m: Report) => {
      proc.samples.push(m.rss);
      if (m.kind === "ready") proc.first = m;
      if (m.kind === "final") resolve(m);
    });
    child.once("exit", (code) =>
      code === 0 ? undefined : reject(new Error(`${script} exited with ${code}`)),
    );
  });
  return proc;
}

async function startWorkers(n: number, queueName: string): Promise<Proc[]> {
  const workers = Array.from({ length: n }, () =>
    start("bench-worker.ts", {
      BENCH_REDIS_URL: redis.url,
      BENCH_QUEUE_NAME: queueName,
      BENCH_OPENAI_URL: server.url,
      BENCH_CONCURRENCY: String(CONCURRENCY),
    }),
  );
  while (workers.some((w) => w.first === undefined)) await new Promise((r) => setTimeout(r, 50));
  return workers;
}

async function stopWorkers(workers: Proc[]): Promise<Report[]> {
  for (const w of workers) w.child.send("stop");
  return Promise.all(workers.map((w) => w.final));
}

/** Runs one batch; `workers` 0 is local runBatch. */
async function batch(items: number, workers: number, extra: Record<string, string> = {}) {
  const queueName = `bench-${process.pid}-${queueCount++}`;
  const procs = workers > 0 ? await startWorkers(workers, queueName) : [];
  const requestsBefore = server.requests.length;
  const submitter = start("bench-submitter.ts", {
    BENCH_MODE: workers > 0 ? "queue" : "local",
    BENCH_ITEMS: String(items),
    BENCH_CONCURRENCY: String(workers > 0 ? WINDOW : CONCURRENCY),
    BENCH_OUT: join(work, `${queueName}.jsonl`),
    BENCH_REDIS_URL: redis.url,
    BENCH_QUEUE_NAME: queueName,
    BENCH_OPENAI_URL: server.url,
    ...extra,
  });
  const final = await submitter.final;
  const workerFinals = await stopWorkers(procs);
  const cpuMs = (c: NodeJS.CpuUsage | undefined): number => (c ? (c.user + c.system) / 1000 : 0);
  const workerCpuMs = procs.reduce((sum, w, i) => sum + cpuMs(workerFinals[i]?.cpu) - cpuMs(w.first?.cpu), 0);
  return {
    seconds: final.seconds ?? 0,
    done: final.done ?? 0,
    failed: final.failed ?? 0,
    submitterCpuMs: cpuMs(final.cpu),
    workerCpuMs,
    submitterRss: submitter.samples,
    workerRss: procs.map((w) => w.samples),
    requestTimes: server.requests.slice(requestsBefore).map((r) => r.receivedAt),
  };
}

const mb = (bytes: number): string => fmt(bytes / 2 ** 20, 0);

/** RSS of the submitter and each worker at 10%, 50% and 100% of a batch's samples, and the most. */
function memoryTable(r: Awaited<ReturnType<typeof batch>>, items: number): void {
  const at = (samples: number[], share: number): string =>
    mb(samples[Math.min(samples.length - 1, Math.floor(share * (samples.length - 1)))] ?? 0);
  const row = (name: string, samples: number[]): string[] => [
    name,
    at(samples, 0.1),
    at(samples, 0.5),
    at(samples, 1),
    mb(Math.max(...samples)),
  ];
  console.log(`\n## Memory (RSS, MB) over ${items} items, 2 workers (${fmt(r.seconds, 0)} s)\n`);
  console.log(
    markdownTable(
      ["process", "at 10%", "at 50%", "at 100%", "max"],
      [row("submitter", r.submitterRss), ...r.workerRss.map((s, i) => row(`worker ${i + 1}`, s))],
    ),
  );
}

console.log(`# Batches on the Redis queue vs local runBatch (llm tier answered after 50 ms)\n`);
console.log(machineNotes());
console.log();

try {
  if (PHASES.includes("throughput")) {
    const rows: string[][] = [];
    let localPerItem = 0;
    for (const [name, workers] of [
      ["local runBatch, concurrency 16", 0],
      ["queue, 1 worker × 16", 1],
      ["queue, 2 workers × 16", 2],
    ] as const) {
      const r = await batch(ITEMS, workers);
      if (workers === 2) memoryTable(r, ITEMS);
      const perItem = (r.submitterCpuMs + r.workerCpuMs) / ITEMS;
      if (workers === 0) localPerItem = perItem;
      rows.push([
        name,
        fmt(r.seconds, 1),
        fmt(ITEMS / r.seconds, 0),
        fmt(r.submitterCpuMs / ITEMS, 3),
        workers === 0 ? "—" : fmt(r.workerCpuMs / ITEMS, 3),
        fmt(perItem, 3),
        workers === 0 ? "—" : `+${fmt(perItem - localPerItem, 3)}`,
        `${r.done}/${ITEMS}`,
      ]);
      console.log(`${name}: ${fmt(r.seconds, 1)} s, ${r.done} done, ${r.failed} failed`);
    }
    console.log(`\n## Throughput, ${ITEMS} items\n`);
    console.log(
      markdownTable(
        [
          "run",
          "wall s",
          "items/s",
          "submitter CPU ms/item",
          "workers CPU ms/item",
          "total CPU ms/item",
          "queue overhead ms/item",
          "done",
        ],
        rows,
      ),
    );
  }
  if (PHASES.includes("rate")) {
    const r = await batch(RATE_ITEMS, 2, { BENCH_RATE_PER_MINUTE: String(RATE_LIMIT) });
    const times = r.requestTimes.sort((a, b) => a - b);
    const span = ((times.at(-1) ?? 0) - (times[0] ?? 0)) / 1000;
    let most = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while ((times[i] as number) - (times[j] as number) >= 10_000) j++;
      most = Math.max(most, i - j + 1);
    }
    console.log(`\n## Shared limit ${RATE_LIMIT}/min across 2 workers, ${RATE_ITEMS} items\n`);
    console.log(
      markdownTable(
        ["requests", "span s", "achieved /min", "most in any 10 s", "allowed in 10 s", "done"],
        [
          [
            String(times.length),
            fmt(span, 1),
            fmt(((times.length - 1) * 60) / span, 0),
            String(most),
            String(RATE_LIMIT / 6),
            `${r.done}/${RATE_ITEMS}`,
          ],
        ],
      ),
    );
  }
  if (PHASES.includes("memory")) {
    memoryTable(await batch(MEMORY_ITEMS, 2), MEMORY_ITEMS);
  }
  console.log(`\n${loadNote()} (after)`);
} finally {
  await server.close();
  await redis.stop();
  rmSync(work, { recursive: true, force: true });
}
