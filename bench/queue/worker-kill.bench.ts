// How long the items of a worker killed with SIGKILL take to finish on another worker. Per round:
// two worker processes of WORKERS workers each (concurrency 4 each) on a fresh queue, a batch of
// ITEMS items of ITEM_MS each submitted from this process, and once KILL_AFTER items are done, the
// process holding the most items is killed (kill -9). Measured from the kill: when the first and
// the last of its items finished on the other process, and the longest time no item finished at
// all; and how often Redis ran CLIENT LIST and the time it spent on it (INFO commandstats: the
// dead-worker watch's look), for 3 s with every worker up and idle before the batch, and over the batch. Every round also checks that each item is in the
// results exactly once.
//
//   node --conditions=@catena/source bench/queue/worker-kill.bench.ts \
//     [--rounds=5] [--workers=1] [--items=24×workers] [--item-ms=300] [--kill-after=8×workers]
//     [--lock-ms=<worker lockDurationMs>] [--code=after|before|both]
//
// --code=before runs the workers on packages/queue/.before-src (a copy of an older src, e.g.
// `git archive <rev> packages/queue/src | tar -x --strip-components=3 -C packages/queue/.before-src`);
// both: before and after in turns, round by round, in one run.
//
// redis-server is Debian's, started by tests/support/redis.ts (installed with apt-get when missing).
import { type ChildProcess, execFile, fork } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { runBatch } from "@catena/core";
import { redisQueue } from "@catena/queue";
import { watchLeaseKey } from "../../packages/queue/src/dead-watch-lease.ts";
import { connectionNames, workerConnectionName } from "../../packages/queue/src/dead-worker-watch.ts";
import { startRedis } from "../../tests/support/redis.ts";
import { fmt, loadNote, machineNotes, markdownTable, median, numberArg, stringArg } from "../lib/report.ts";
import { killChain } from "./kill-chain.ts";

const ROUNDS = numberArg("rounds", 5);
const WORKERS = numberArg("workers", 1);
const ITEMS = numberArg("items", 24 * WORKERS);
const ITEM_MS = numberArg("item-ms", 300);
const KILL_AFTER = numberArg("kill-after", 8 * WORKERS);
const LOCK_MS = numberArg("lock-ms", 0);
const CODE = stringArg("code") ?? "after";
if (!["after", "before", "both"].includes(CODE))
  throw new Error(`--code is after, before or both, got ${CODE}`);
const BEFORE_SRC = join(import.meta.dirname, "../../packages/queue/.before-src/index.ts");
const CONCURRENCY = 4;
/** How long the CLIENT LIST rate is read for with every worker up and idle, before each batch. */
const IDLE_MS = 3000;
const here = import.meta.dirname;
const execArgv = ["--conditions=@catena/source", "--disable-warning=ExperimentalWarning"];

interface Worker {
  child: ChildProcess;
  started: Set<number>;
  ready: Promise<void>;
}

type Code = "before" | "after";

function startWorker(url: string, queueName: string, code: Code): Worker {
  const child = fork(join(here, "kill-worker.ts"), [], {
    execArgv,
    env: {
      ...process.env,
      BENCH_REDIS_URL: url,
      BENCH_QUEUE_NAME: queueName,
      BENCH_CONCURRENCY: String(CONCURRENCY),
      BENCH_WORKERS: String(WORKERS),
      ...(code === "before" ? { BENCH_QUEUE_SRC: pathToFileURL(BEFORE_SRC).href } : {}),
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
  code: Code;
  held: number;
  /** CLIENT LIST calls per second over IDLE_MS with every worker up, and Redis's µs per second on them. */
  idleClientListPerS: number;
  idleClientListUsPerS: number;
  /** Scripts (EVAL + EVALSHA: BullMQ's own, and the watch's turn after) per second over IDLE_MS, and Redis's µs per second on them. */
  idleScriptPerS: number;
  idleScriptUsPerS: number;
  /** The same over the batch (a process killed in it). */
  clientListPerS: number;
  clientListUsPerS: number;
  firstMs: number;
  lastMs: number;
  gapMs: number;
  restMs: number;
  /** After: whether the killed process held the dead-worker watch's turn (its lease in Redis). */
  watcherKilled?: boolean;
}

/** Runs redis-cli (Debian's, beside redis-server) against the bench's Redis. */
function redisCli(port: number, ...args: string[]): Promise<string> {
  return new Promise<string>((resolve, reject) =>
    execFile("redis-cli", ["-p", String(port), ...args], (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    ),
  );
}

/**
 * Whether the worker holding the dead-worker watch's turn just now is gone from Redis's clients a
 * moment after the kill (its process was the one killed); read before another takes the turn over.
 */
async function watcherGone(port: number, queueName: string): Promise<boolean> {
  await new Promise((resolve) => setTimeout(resolve, 300));
  const holder = (await redisCli(port, "GET", watchLeaseKey(queueName))).split(" ")[0] ?? "";
  return !connectionNames(await redisCli(port, "CLIENT", "LIST")).has(workerConnectionName(holder));
}

/** CLIENT LIST's calls and µs so far (INFO commandstats, by Debian's redis-cli, beside redis-server). */
async function clientListStats(
  port: number,
): Promise<{ calls: number; usec: number; scriptCalls: number; scriptUsec: number; at: number }> {
  const info = await redisCli(port, "INFO", "commandstats");
  const line = /cmdstat_client\|list:calls=(\d+),usec=(\d+)/.exec(info);
  const scripts = [...info.matchAll(/cmdstat_eval(?:sha)?:calls=(\d+),usec=(\d+)/g)];
  return {
    calls: Number(line?.[1] ?? 0),
    usec: Number(line?.[2] ?? 0),
    scriptCalls: scripts.reduce((sum, m) => sum + Number(m[1]), 0),
    scriptUsec: scripts.reduce((sum, m) => sum + Number(m[2]), 0),
    at: Date.now(),
  };
}

async function round(url: string, port: number, r: number, code: Code): Promise<Round> {
  const queueName = `kill-${process.pid}-${r}`;
  const workers = [startWorker(url, queueName, code), startWorker(url, queueName, code)];
  await Promise.all(workers.map((w) => w.ready));
  // Idle, every worker up: the watch's own rate, steady.
  const idleFrom = await clientListStats(port);
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  const statsBefore = await clientListStats(port);
  const idleSeconds = (statsBefore.at - idleFrom.at) / 1000;
  const doneAt = new Map<number, { at: number; pid: number }>();
  let killedAt = 0;
  let watcherKilled: Promise<boolean> | undefined;
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
        if (code === "after") watcherKilled = watcherGone(port, queueName);
      }
    },
  });
  const end = Date.now();
  const watcherWasKilled = await watcherKilled;
  const statsAfter = await clientListStats(port);
  const seconds = (statsAfter.at - statsBefore.at) / 1000;
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
    code,
    held: held.length,
    idleClientListPerS: (statsBefore.calls - idleFrom.calls) / idleSeconds,
    idleClientListUsPerS: (statsBefore.usec - idleFrom.usec) / idleSeconds,
    idleScriptPerS: (statsBefore.scriptCalls - idleFrom.scriptCalls) / idleSeconds,
    idleScriptUsPerS: (statsBefore.scriptUsec - idleFrom.scriptUsec) / idleSeconds,
    clientListPerS: (statsAfter.calls - statsBefore.calls) / seconds,
    clientListUsPerS: (statsAfter.usec - statsBefore.usec) / seconds,
    firstMs: Math.min(...recovered),
    lastMs: Math.max(...recovered),
    gapMs,
    restMs: end - killedAt,
    ...(watcherWasKilled === undefined ? {} : { watcherKilled: watcherWasKilled }),
  };
}

if (CODE !== "after" && !existsSync(BEFORE_SRC)) throw new Error(`--code=${CODE} needs ${BEFORE_SRC}`);
console.log(
  `# A worker process killed mid-batch: ${ITEMS} items of ${ITEM_MS} ms, 2 processes × ${WORKERS} workers × ${CONCURRENCY}, kill after ${KILL_AFTER}, lockDurationMs ${LOCK_MS || "default"}, code ${CODE}\n`,
);
console.log(machineNotes());
console.log(`${loadNote()} (before)\n`);
const redis = await startRedis();
try {
  // No watch frees anything within 10 s of Redis's start (connections still coming back).
  await new Promise((resolve) => setTimeout(resolve, 10_500));
  const rows: Round[] = [];
  for (let r = 1; r <= ROUNDS; r++) {
    const code: Code = CODE === "both" ? (r % 2 === 1 ? "before" : "after") : (CODE as Code);
    const result = await round(redis.url, redis.port, r, code);
    rows.push(result);
    console.log(`round ${r}: ${JSON.stringify(result)}`);
  }
  for (const code of ["before", "after"] as const) {
    const of = rows.filter((row) => row.code === code);
    if (of.length > 0) table(code, of);
  }
  console.log(`${loadNote()} (after)`);
} finally {
  await redis.stop();
}

function table(code: Code, rows: Round[]): void {
  const col = (pick: (r: Round) => number, digits = 2, scale = 1000): string[] => {
    const values = rows.map(pick);
    return [
      fmt(Math.min(...values) / scale, digits),
      fmt(median(values) / scale, digits),
      fmt(Math.max(...values) / scale, digits),
    ];
  };
  console.log(`\n## ${code} (${rows.length} rounds)\n`);
  console.log(
    markdownTable(
      ["figure", "min", "median", "max"],
      [
        ["from the kill to the first held item done elsewhere, s", ...col((r) => r.firstMs)],
        ["from the kill to the last held item done elsewhere, s", ...col((r) => r.lastMs)],
        ["longest time with no item done, s", ...col((r) => r.gapMs)],
        ["from the kill to the batch's end, s", ...col((r) => r.restMs)],
        ["CLIENT LIST calls per second, all workers up and idle", ...col((r) => r.idleClientListPerS, 1, 1)],
        ["Redis µs per second in CLIENT LIST, idle", ...col((r) => r.idleClientListUsPerS, 0, 1)],
        ["scripts (EVAL + EVALSHA) per second, idle", ...col((r) => r.idleScriptPerS, 1, 1)],
        ["Redis µs per second in scripts, idle", ...col((r) => r.idleScriptUsPerS, 0, 1)],
        ["CLIENT LIST calls per second, over the batch", ...col((r) => r.clientListPerS, 1, 1)],
        ["Redis µs per second in CLIENT LIST, over the batch", ...col((r) => r.clientListUsPerS, 0, 1)],
      ],
    ),
  );
  console.log(`\nitems held by the killed process: ${rows.map((r) => r.held).join(", ")}`);
  const watched = rows.filter((r) => r.watcherKilled);
  if (watched.length > 0) {
    const lasts = watched.map((r) => fmt(r.lastMs / 1000, 2)).join(", ");
    console.log(
      `rounds whose killed process held the watch's turn: ${watched.length} (last held item done at ${lasts} s)`,
    );
  }
}
