// How long the items of a worker killed with SIGKILL take to finish on another worker. Per round:
// two worker processes (BENCH concurrency 4 each) on a fresh queue, a batch of ITEMS items of
// ITEM_MS each submitted from this process, and once KILL_AFTER items are done, the worker holding
// the most items is killed (kill -9). Measured from the kill: when the first and the last of its
// items finished on the other worker, and the longest time no item finished at all. Every round
// also checks that each item is in the results exactly once.
//
//   node --conditions=@catena/source bench/queue/worker-kill.bench.ts \
//     [--rounds=5] [--items=24] [--item-ms=300] [--kill-after=8] [--lock-ms=<worker lockDurationMs>]
//
// redis-server is Debian's, started by tests/support/redis.ts (installed with apt-get when missing).
import { type ChildProcess, fork } from "node:child_process";
import { join } from "node:path";
import { runBatch } from "@catena/core";
import { redisQueue } from "@catena/queue";
import { startRedis } from "../../tests/support/redis.ts";
import { fmt, loadNote, machineNotes, markdownTable, median, numberArg } from "../lib/report.ts";
import { killChain } from "./kill-chain.ts";

const ROUNDS = numberArg("rounds", 5);
const ITEMS = numberArg("items", 24);
const ITEM_MS = numberArg("item-ms", 300);
const KILL_AFTER = numberArg("kill-after", 8);
const LOCK_MS = numberArg("lock-ms", 0);
const CONCURRENCY = 4;
const here = import.meta.dirname;
const execArgv = ["--conditions=@catena/source", "--disable-warning=ExperimentalWarning"];

interface Worker {
  child: ChildProcess;
  started: Set<number>;
  ready: Promise<void>;
}

function startWorker(url: string, queueName: string): Worker {
  const child = fork(join(here, "kill-worker.ts"), [], {
    execArgv,
    env: {
      ...process.env,
      BENCH_REDIS_URL: url,
      BENCH_QUEUE_NAME: queueName,
      BENCH_CONCURRENCY: String(CONCURRENCY),
      ...(LOCK_MS > 0 ? { BENCH_LOCK_MS: String(LOCK_MS) } : {}),
    },
  });
  const started = new Set<number>();
  const ready = new Promise<void>((resolve) => {
    child.on("message", (m: { kind: string; n?: number }) => {
      if (m.kind === "ready") resolve();
      if (m.kind === "start" && m.n !== undefined) started.add(m.n);
    });
  });
  return { child, started, ready };
}

interface Round {
  held: number;
  firstMs: number;
  lastMs: number;
  gapMs: number;
  restMs: number;
}

async function round(url: string, r: number): Promise<Round> {
  const queueName = `kill-${process.pid}-${r}`;
  const workers = [startWorker(url, queueName), startWorker(url, queueName)];
  await Promise.all(workers.map((w) => w.ready));
  const doneAt = new Map<number, { at: number; pid: number }>();
  let killedAt = 0;
  let victim: Worker | undefined;
  let held: number[] = [];
  const inputs = Array.from({ length: ITEMS }, (_, n) => ({ n, ms: ITEM_MS }));
  const summary = await runBatch(killChain, inputs, {
    queue: redisQueue(url, { queueName }),
    concurrency: 256,
    onItem: (item) => {
      const output = item.output as { pid: number } | undefined;
      if (doneAt.has(item.index)) throw new Error(`item ${item.index} came twice`);
      doneAt.set(item.index, { at: Date.now(), pid: output?.pid ?? -1 });
      if (doneAt.size === KILL_AFTER && victim === undefined) {
        const holding = (w: Worker): number[] => [...w.started].filter((n) => !doneAt.has(n));
        victim = [...workers].sort((a, b) => holding(b).length - holding(a).length)[0] as Worker;
        held = holding(victim);
        victim.child.kill("SIGKILL");
        killedAt = Date.now();
      }
    },
  });
  const end = Date.now();
  if (summary.done !== ITEMS || doneAt.size !== ITEMS) throw new Error(`round ${r}: ${summary.done} done`);
  const recovered = held.map((n) => (doneAt.get(n)?.at ?? end) - killedAt);
  const after = [killedAt, ...[...doneAt.values()].map((d) => d.at).filter((t) => t > killedAt)].sort(
    (a, b) => a - b,
  );
  const gapMs = Math.max(...after.slice(1).map((t, i) => t - (after[i] as number)));
  for (const w of workers) if (w !== victim) w.child.send("stop");
  await Promise.all(
    workers.filter((w) => w !== victim).map((w) => new Promise((resolve) => w.child.once("exit", resolve))),
  );
  return {
    held: held.length,
    firstMs: Math.min(...recovered),
    lastMs: Math.max(...recovered),
    gapMs,
    restMs: end - killedAt,
  };
}

console.log(
  `# A worker killed mid-batch: ${ITEMS} items of ${ITEM_MS} ms, 2 workers × ${CONCURRENCY}, kill after ${KILL_AFTER}, lockDurationMs ${LOCK_MS || "default"}\n`,
);
console.log(machineNotes());
console.log(`${loadNote()} (before)\n`);
const redis = await startRedis();
try {
  const rows: Round[] = [];
  for (let r = 1; r <= ROUNDS; r++) {
    const result = await round(redis.url, r);
    rows.push(result);
    console.log(`round ${r}: ${JSON.stringify(result)}`);
  }
  const col = (pick: (r: Round) => number): string[] => {
    const values = rows.map(pick);
    return [
      fmt(Math.min(...values) / 1000, 2),
      fmt(median(values) / 1000, 2),
      fmt(Math.max(...values) / 1000, 2),
    ];
  };
  console.log();
  console.log(
    markdownTable(
      ["from the kill to", "min s", "median s", "max s"],
      [
        ["the first held item done elsewhere", ...col((r) => r.firstMs)],
        ["the last held item done elsewhere", ...col((r) => r.lastMs)],
        ["longest time with no item done", ...col((r) => r.gapMs)],
        ["the batch's end", ...col((r) => r.restMs)],
      ],
    ),
  );
  console.log(`\nitems held by the killed worker: ${rows.map((r) => r.held).join(", ")}`);
  console.log(`${loadNote()} (after)`);
} finally {
  await redis.stop();
}
